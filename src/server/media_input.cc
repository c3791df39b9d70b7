#include "server/media_input.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "media/dicom.h"
#include "media/image_file.h"
#include "media/nifti.h"
#include "media/video.h"
#include "server/api_error.h"
#include "server/base64.h"
#include "server/image_header.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// Where a part's bytes live: in the request (a data: URI) or in an allowed local file.
struct Source {
  std::vector<uint8_t> bytes;
  std::string mime;
  fs::path path;  // set for local files
  bool local() const { return !path.empty(); }
};

// Video and DICOM decoders read files, so inline data goes through a private temp file that
// disappears with this object.
class TempFile {
 public:
  TempFile(const std::vector<uint8_t>& bytes, const std::string& what) {
    char name[] = "/tmp/hulumed-upload-XXXXXX";
    const int fd = mkstemp(name);
    HM_CHECK(fd >= 0, what, ": cannot create a temporary file");
    path_ = name;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fd);
    HM_CHECK(done == bytes.size(), what, ": cannot write a temporary file");
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<uint8_t> ReadWhole(const fs::path& path, int64_t limit, const std::string& what) {
  std::error_code ec;
  HM_CHECK(fs::is_regular_file(path, ec), what, ": ", path.string(), " is not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec || static_cast<int64_t>(size) > limit)
    throw ApiError(413, "invalid_request_error", StrCat(what, ": file is larger than the limit of ", limit, " bytes"));
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  HM_CHECK(in.gcount() == static_cast<std::streamsize>(size), what, ": cannot read ", path.string());
  return bytes;
}

Source FetchSource(const nlohmann::json& obj, const std::optional<FileRoot>& root, const std::string& what) {
  if (!obj.is_object() || !obj.contains("url") || !obj["url"].is_string()) FailRequest(what, ": needs a string \"url\"");
  const std::string& url = obj["url"].get_ref<const std::string&>();
  Source s;
  if (url.rfind("data:", 0) == 0) {
    const size_t comma = url.find(',');
    if (comma == std::string::npos) FailRequest(what, ": data URI has no ','");
    const std::string header = url.substr(5, comma - 5);
    if (header.size() < 7 || header.compare(header.size() - 7, 7, ";base64") != 0)
      FailRequest(what, ": only base64 data URIs are supported");
    s.mime = header.substr(0, header.find(';'));
    s.bytes = DecodeBase64(std::string_view(url).substr(comma + 1), what);
    if (s.bytes.empty()) FailRequest(what, ": data URI is empty");
    return s;
  }
  if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
    FailRequest(what, ": remote URLs are not fetched; send the media as a data: URI");
  if (!root) FailRequest(what, ": local files are disabled (start the server with --allow-local-files ROOT)");
  s.path = root->Resolve(url);
  return s;
}

int OptionalInt(const nlohmann::json& obj, const char* key, int fallback, int lo, int hi, const std::string& what) {
  if (!obj.contains(key) || obj[key].is_null()) return fallback;
  const auto& v = obj[key];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
    FailRequest(what, ": \"", key, "\" must be an integer in [", lo, ", ", hi, "]");
  return v.get<int>();
}

std::optional<double> OptionalSeconds(const nlohmann::json& obj, const char* key, const std::string& what) {
  if (!obj.contains(key) || obj[key].is_null()) return std::nullopt;
  if (!obj[key].is_number()) FailRequest(what, ": \"", key, "\" must be a number");
  return obj[key].get<double>();
}

MediaItem ImagePart(const Source& s, const MediaLimits& limits, const std::string& what) {
  const std::vector<uint8_t> bytes = s.local() ? ReadWhole(s.path, limits.max_file_bytes, what) : s.bytes;
  const auto dims = ImageDimensions(bytes.data(), bytes.size());
  if (!dims) FailRequest(what, ": not a PNG or JPEG image");
  if (dims->first * dims->second > limits.max_image_pixels)
    FailRequest(what, ": image of ", dims->first, "x", dims->second, " pixels exceeds the limit of ",
                limits.max_image_pixels, " pixels");
  return {MediaKind::kImage, StillImage(DecodeImage(bytes.data(), bytes.size(), what))};
}

MediaItem VideoPart(const nlohmann::json& obj, const Source& s, const MediaLimits& limits, const std::string& what) {
  VideoOptions o;
  o.fps = OptionalSeconds(obj, "fps", what).value_or(1.0);
  o.max_frames = OptionalInt(obj, "max_frames", limits.max_frames, 1, limits.max_frames, what);
  o.start_s = OptionalSeconds(obj, "start", what);
  o.end_s = OptionalSeconds(obj, "end", what);
  if (s.local()) return {MediaKind::kVideo, LoadVideo(s.path.string(), o)};
  const TempFile file(s.bytes, what);
  return {MediaKind::kVideo, LoadVideo(file.path(), o)};
}

SliceAxis Axis(const nlohmann::json& obj, const std::string& what) {
  const std::string axis = obj.contains("axis") && obj["axis"].is_string() ? obj["axis"].get<std::string>() : "axial";
  if (axis == "axial") return SliceAxis::kAxial;
  if (axis == "coronal") return SliceAxis::kCoronal;
  if (axis == "sagittal") return SliceAxis::kSagittal;
  FailRequest(what, ": \"axis\" must be axial, coronal or sagittal");
}

MediaItem VolumePart(const nlohmann::json& obj, const Source& s, const MediaLimits& limits, const std::string& what) {
  const int slices = OptionalInt(obj, "slices", std::min(180, limits.max_slices), 1, limits.max_slices, what);
  const SliceAxis axis = Axis(obj, what);
  std::string format = obj.contains("format") && obj["format"].is_string() ? obj["format"].get<std::string>() : "";
  if (format.empty()) format = s.mime.find("dicom") != std::string::npos || (s.local() && fs::is_directory(s.path)) ? "dicom" : "nifti";
  Frames frames;
  if (format == "nifti") {
    if (s.local()) {
      frames = LoadNifti(s.path.string(), {axis, slices});
    } else {
      frames = SliceVolume(ParseNifti(s.bytes.data(), s.bytes.size(), what), axis, slices, what.c_str());
    }
  } else if (format == "dicom") {
    DicomOptions o;
    o.num_slices = slices;
    o.axis = axis;
    if (obj.contains("window") && obj["window"].is_string()) o.window = ParseDicomWindow(obj["window"].get<std::string>());
    if (s.local()) {
      frames = LoadDicom(s.path.string(), o);
    } else {
      const TempFile file(s.bytes, what);
      frames = LoadDicom(file.path(), o);
    }
  } else {
    FailRequest(what, ": \"format\" must be nifti or dicom");
  }
  // A single DICOM slice is a plain image to the model (merge size 1).
  const bool still = frames.images.size() == 1 && frames.merge_size == 1;
  return {still ? MediaKind::kImage : MediaKind::kVolume, std::move(frames)};
}

}  // namespace

MediaItem MediaResolver::Resolve(const nlohmann::json& part, const std::string& what) const {
  const std::string type = part.value("type", "");
  const auto field = part.find(type);
  if (field == part.end()) FailRequest(what, ": a ", type, " part needs a \"", type, "\" object");
  const Source source = FetchSource(*field, root_, what);
  if (type == "image_url") return ImagePart(source, limits_, what);
  if (type == "video_url") return VideoPart(*field, source, limits_, what);
  return VolumePart(*field, source, limits_, what);
}

}  // namespace hm
