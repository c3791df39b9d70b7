#include "server/media_input.h"

#include <climits>

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
  if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
    FailRequest(what, ": remote URLs are not fetched; send the media as a data: URI");
  if (!root) FailRequest(what, ": local files are disabled (start the server with --allow-local-files ROOT)");
  spec.path = root->Resolve(url).string();
  return "";
}

// JSON types only; the values' ranges are the media policy's (LoadMedia).
std::optional<int> OptionalInt(const nlohmann::json& obj, const char* key, const std::string& what) {
  if (!obj.contains(key) || obj[key].is_null()) return std::nullopt;
  const auto& v = obj[key];
  if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX)
    FailRequest(what, ": \"", key, "\" must be an integer");
  return v.get<int>();
}

std::optional<double> OptionalNumber(const nlohmann::json& obj, const char* key, const std::string& what) {
  if (!obj.contains(key) || obj[key].is_null()) return std::nullopt;
  if (!obj[key].is_number()) FailRequest(what, ": \"", key, "\" must be a number");
  return obj[key].get<double>();
}

std::optional<std::string> OptionalString(const nlohmann::json& obj, const char* key, const std::string& what) {
  if (!obj.contains(key) || obj[key].is_null()) return std::nullopt;
  if (!obj[key].is_string()) FailRequest(what, ": \"", key, "\" must be a string");
  return obj[key].get<std::string>();
}

void ReadVolumeOptions(const nlohmann::json& obj, const std::string& mime, MediaSpec& spec) {
  const std::string& what = spec.what;
  const std::string format = OptionalString(obj, "format", what).value_or("");
  if (format == "nifti") spec.format = MediaFormat::kNifti;
  else if (format == "dicom" || (format.empty() && mime.find("dicom") != std::string::npos)) spec.format = MediaFormat::kDicom;
  else if (format.empty()) spec.format = MediaFormat::kVolume;
  else FailRequest(what, ": \"format\" must be nifti or dicom");
  spec.slices = OptionalInt(obj, "slices", what);
  if (const auto axis = OptionalString(obj, "axis", what)) spec.axis = ParseSliceAxis(*axis, what + ".axis");
  spec.window = OptionalString(obj, "window", what);
}

}  // namespace

MediaItem MediaResolver::Resolve(const nlohmann::json& part, const std::string& what) const {
  const std::string type = part.value("type", "");
  const auto field = part.find(type);
  if (field == part.end()) FailRequest(what, ": a ", type, " part needs a \"", type, "\" object");
  MediaSpec spec;
  spec.what = what;
  const std::string mime = FetchSource(*field, root_, spec);
  if (type == "image_url") {
    spec.format = MediaFormat::kImage;
  } else if (type == "video_url") {
    spec.format = MediaFormat::kVideo;
    spec.fps = OptionalNumber(*field, "fps", what);
    spec.max_frames = OptionalInt(*field, "max_frames", what);
    spec.start = OptionalNumber(*field, "start", what);
    spec.end = OptionalNumber(*field, "end", what);
  } else {
    ReadVolumeOptions(*field, mime, spec);
  }
  try {
    return LoadMedia(spec, limits_);
  } catch (const MediaTooLarge& e) {
    throw ApiError(413, "invalid_request_error", e.what());
  }
}

}  // namespace hm
