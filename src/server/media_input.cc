#include "server/media_input.h"

#include "server/api_error.h"
#include "server/base64.h"

namespace hm {
namespace {

// Where a part's content lives: inline in the request (a data: URI) or in an allowed local
// file. Fills spec.bytes or spec.path and returns the data URI's MIME type.
std::string FetchSource(const nlohmann::json& obj, const std::optional<FileRoot>& root, MediaSpec& spec) {
  const std::string& what = spec.what;
  if (!obj.is_object() || !obj.contains("url") || !obj["url"].is_string()) FailRequest(what, ": needs a string \"url\"");
  const std::string& url = obj["url"].get_ref<const std::string&>();
  if (url.rfind("data:", 0) == 0) {
    const size_t comma = url.find(',');
    if (comma == std::string::npos) FailRequest(what, ": data URI has no ','");
    const std::string header = url.substr(5, comma - 5);
    if (header.size() < 7 || header.compare(header.size() - 7, 7, ";base64") != 0)
      FailRequest(what, ": only base64 data URIs are supported");
    spec.bytes = DecodeBase64(std::string_view(url).substr(comma + 1), what);
    if (spec.bytes.empty()) FailRequest(what, ": data URI is empty");
    return header.substr(0, header.find(';'));
  }
  if (url.rfind("dicomweb:", 0) == 0) {  // a series on the operator's PACS, never another host
    spec.path = url;
    return "application/dicom";
  }
  if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
    FailRequest(what, ": remote URLs are not fetched; send the media as a data: URI");
  if (!root) FailRequest(what, ": local files are disabled (start the server with --allow-local-files ROOT)");
  spec.path = root->Resolve(url).string();
  return "";
}

}  // namespace

MediaItem MediaResolver::Resolve(const nlohmann::json& part, const std::string& what) const {
  const std::string type = part.value("type", "");
  const auto field = part.find(type);
  if (field == part.end()) FailRequest(what, ": a ", type, " part needs a \"", type, "\" object");
  MediaSpec spec;
  spec.what = what;
  const std::string mime = FetchSource(*field, root_, spec);
  if (type == "image_url") spec.format = MediaFormat::kImage;
  else if (type == "video_url") spec.format = MediaFormat::kVideo;
  // A volume says its format, else a DICOM MIME type does, else its content will.
  else spec.format = mime.find("dicom") != std::string::npos ? MediaFormat::kDicom : MediaFormat::kVolume;
  ReadMediaOptions(*field, spec);
  try {
    return LoadMedia(spec, limits_, pacs_);
  } catch (const MediaTooLarge& e) {
    throw ApiError(413, "invalid_request_error", e.what());
  } catch (const DicomWebError& e) {
    throw ApiError(e.http_status(), e.http_status() >= 500 ? "pacs_error" : "invalid_request_error", e.what());
  }
}

}  // namespace hm
