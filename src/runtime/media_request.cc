#include "runtime/media_request.h"

#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "io/mapped_file.h"
#include "media/dicom.h"
#include "media/image_file.h"
#include "media/image_folder.h"
#include "media/image_header.h"
#include "media/nifti.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// The video and DICOM decoders read files, so inline content goes through a private
// temporary file that disappears with this object.
class TempFile {
 public:
  TempFile(const std::vector<uint8_t>& bytes, const std::string& what) {
    char name[] = "/tmp/hulumed-media-XXXXXX";
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
    if (done != bytes.size()) {
      std::remove(path_.c_str());
      Fail(what, ": cannot write a temporary file");
    }
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The item's content as a file: spec.path, or a temporary copy of spec.bytes.
class ContentFile {
 public:
  explicit ContentFile(const MediaSpec& spec) : path_(spec.path) {
    if (path_.empty()) path_ = temp_.emplace(spec.bytes, spec.what).path();
  }
  const std::string& path() const { return path_; }

 private:
  std::optional<TempFile> temp_;
  std::string path_;
};

void CheckSource(const MediaSpec& spec) {
  HM_CHECK(spec.path.empty() != spec.bytes.empty(), spec.what, ": give either a path or the content, not ",
           spec.path.empty() ? "neither" : "both");
}

int Slices(const MediaSpec& spec, const MediaLimits& limits) {
  const int slices = spec.slices.value_or(std::min(kDefaultSlices, limits.max_slices));
  HM_CHECK(slices >= 1 && slices <= limits.max_slices, spec.what, ": slices must be in [1, ", limits.max_slices,
           "], got ", slices);
  return slices;
}

MediaItem LoadImage(const MediaSpec& spec, const MediaLimits& limits) {
  std::optional<MappedFile> file;
  if (!spec.path.empty()) {
    HM_CHECK(fs::is_regular_file(spec.path), spec.what, ": ", spec.path, " is not a regular file");
    file.emplace(spec.path);
  }
  const uint8_t* data = file ? file->data() : spec.bytes.data();
  const size_t size = file ? file->size() : spec.bytes.size();
  if (static_cast<int64_t>(size) > limits.max_file_bytes)
    throw MediaTooLarge(StrCat(spec.what, ": file is larger than the limit of ", limits.max_file_bytes, " bytes"));
  // The pixel limit holds before any pixel buffer is allocated.
  const auto dims = ImageDimensions(data, size);
  HM_CHECK(dims, spec.what, ": not a PNG or JPEG image");
  HM_CHECK(dims->first * dims->second <= limits.max_image_pixels, spec.what, ": image of ", dims->first, "x",
           dims->second, " pixels exceeds the limit of ", limits.max_image_pixels, " pixels");
  return {MediaKind::kImage, StillImage(DecodeImage(data, size, spec.what))};
}

MediaItem LoadVideoItem(const MediaSpec& spec, const MediaLimits& limits) {
  HM_CHECK(!spec.fps || (std::isfinite(*spec.fps) && *spec.fps > 0), spec.what, ": fps must be > 0");
  HM_CHECK(!spec.max_frames || (*spec.max_frames >= 1 && *spec.max_frames <= limits.max_frames), spec.what,
           ": max_frames must be in [1, ", limits.max_frames, "]");
  const double fps = spec.fps.value_or(kDefaultVideoFps);
  if (!spec.path.empty() && fs::is_directory(spec.path)) {  // a folder of frames, with the reference's rules
    FolderOptions f;
    f.fps = fps;
    f.max_frames = spec.max_frames.value_or(std::min(kDefaultMaxFrames, limits.max_frames));
    f.start = spec.start;
    f.end = spec.end;
    return {MediaKind::kVideo, LoadImageFolder(spec.path, f)};
  }
  const VideoOptions v{fps, spec.max_frames.value_or(limits.max_frames), spec.start, spec.end};
  const ContentFile file(spec);
  return {MediaKind::kVideo, LoadVideo(file.path(), v)};
}

MediaItem LoadNiftiItem(const MediaSpec& spec, const MediaLimits& limits) {
  HM_CHECK(!spec.window, spec.what, ": a window applies to DICOM only, not to NIfTI");
  const int slices = Slices(spec, limits);
  if (!spec.path.empty()) return {MediaKind::kVolume, LoadNifti(spec.path, {spec.axis, slices})};
  return {MediaKind::kVolume,
          SliceVolume(ParseNifti(spec.bytes.data(), spec.bytes.size(), spec.what), spec.axis, slices, spec.what.c_str())};
}

MediaItem LoadDicomItem(const MediaSpec& spec, const MediaLimits& limits, const DicomWebClient* pacs) {
  DicomOptions o;
  o.num_slices = Slices(spec, limits);
  o.axis = spec.axis;
  if (spec.window) o.window = ParseDicomWindow(*spec.window);
  Frames frames;
  if (const auto ref = ParseDicomWebRef(spec.path)) {
    HM_CHECK(pacs, spec.what, ": names a PACS series but no PACS is configured (--dicomweb URL)");
    frames = pacs->LoadSeries(*ref, o);
  } else {
    const ContentFile file(spec);
    frames = LoadDicom(file.path(), o);
  }
  // A single slice (an X-ray, a photo) comes back at merge size 1: to the model it is an image.
  const bool still = frames.images.size() == 1 && frames.merge_size == 1;
  return {still ? MediaKind::kImage : MediaKind::kVolume, std::move(frames)};
}

// NIfTI starts with its header size (348 or 540, either byte order) or is gzip-compressed;
// DICOM is neither.
bool LooksLikeNifti(const std::vector<uint8_t>& bytes) {
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return true;
  if (bytes.size() < 4) return false;
  const uint32_t le = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (uint32_t{bytes[3]} << 24);
  const uint32_t be = bytes[3] | (bytes[2] << 8) | (bytes[1] << 16) | (uint32_t{bytes[0]} << 24);
  return le == 348 || le == 540 || be == 348 || be == 540;
}

MediaFormat VolumeFormat(const MediaSpec& spec) {
  if (!spec.path.empty())
    return !fs::is_directory(spec.path) && IsNiftiFile(spec.path) ? MediaFormat::kNifti : MediaFormat::kDicom;
  return LooksLikeNifti(spec.bytes) ? MediaFormat::kNifti : MediaFormat::kDicom;
}

std::optional<double> OptionalNumber(const nlohmann::json& obj, const char* key, const std::string& what) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  HM_CHECK(it->is_number(), what, ": \"", key, "\" must be a number");
  return it->get<double>();
}

// The range is LoadMedia's to check against the limits; this only keeps the value an int.
std::optional<int> OptionalInt(const nlohmann::json& obj, const char* key, const std::string& what) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  HM_CHECK(it->is_number_integer() && it->get<int64_t>() >= INT32_MIN && it->get<int64_t>() <= INT32_MAX, what,
           ": \"", key, "\" must be an integer");
  return it->get<int>();
}

std::optional<std::string> OptionalString(const nlohmann::json& obj, const char* key, const std::string& what) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  HM_CHECK(it->is_string(), what, ": \"", key, "\" must be a string");
  return it->get<std::string>();
}

}  // namespace

void ReadMediaOptions(const nlohmann::json& obj, MediaSpec& spec) {
  const std::string& what = spec.what;
  HM_CHECK(obj.is_object(), what, ": media options must be a JSON object");
  if (spec.format == MediaFormat::kImage) return;
  if (spec.format == MediaFormat::kVideo) {
    spec.fps = OptionalNumber(obj, "fps", what);
    spec.max_frames = OptionalInt(obj, "max_frames", what);
    spec.start = OptionalNumber(obj, "start", what);
    spec.end = OptionalNumber(obj, "end", what);
    return;
  }
  if (const auto format = OptionalString(obj, "format", what)) {
    HM_CHECK(*format == "nifti" || *format == "dicom", what, ": \"format\" must be nifti or dicom");
    spec.format = *format == "nifti" ? MediaFormat::kNifti : MediaFormat::kDicom;
  }
  spec.slices = OptionalInt(obj, "slices", what);
  if (const auto axis = OptionalString(obj, "axis", what)) spec.axis = ParseSliceAxis(*axis, what + ": \"axis\"");
  spec.window = OptionalString(obj, "window", what);
}

void CheckRoomForMedia(size_t loaded, const MediaLimits& limits, std::string_view what) {
  HM_CHECK(loaded < static_cast<size_t>(std::max(limits.max_items, 0)), what, ": more than ", limits.max_items,
           " media items in one request");
}

SliceAxis ParseSliceAxis(std::string_view name, std::string_view what) {
  if (name == "axial" || name == "2") return SliceAxis::kAxial;
  if (name == "coronal" || name == "1") return SliceAxis::kCoronal;
  if (name == "sagittal" || name == "0") return SliceAxis::kSagittal;
  Fail(what, ": '", name, "' is not axial, coronal or sagittal (or the axis number 2, 1, 0)");
}

MediaItem LoadMedia(const MediaSpec& spec, const MediaLimits& limits, const DicomWebClient* pacs) {
  CheckSource(spec);
  MediaFormat format = spec.format;
  if (ParseDicomWebRef(spec.path)) {
    HM_CHECK(format == MediaFormat::kDicom || format == MediaFormat::kVolume || format == MediaFormat::kImage, spec.what,
             ": a PACS series (dicomweb:) is a volume or an image, not a video");
    format = MediaFormat::kDicom;
  }
  if (format == MediaFormat::kVolume) format = VolumeFormat(spec);
  switch (format) {
    case MediaFormat::kImage:
      return LoadImage(spec, limits);
    case MediaFormat::kVideo:
      return LoadVideoItem(spec, limits);
    case MediaFormat::kNifti:
      return LoadNiftiItem(spec, limits);
    case MediaFormat::kDicom:
    case MediaFormat::kVolume:
      return LoadDicomItem(spec, limits, pacs);
  }
  Fail(spec.what, ": unknown media format");
}

}  // namespace hm
