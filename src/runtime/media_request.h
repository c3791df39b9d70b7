// One media item as any front end states it (a `run` flag, an API content part, a dataset
// row for `train`/`eval`) and the one place that loads it. Defaults, option checks, limits
// and the image/video/volume decision live here, so every front end gets the same frames
// (and so the same visual tokens) for the same request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "media/dicomweb.h"
#include "media/frames.h"
#include "media/image_limits.h"
#include "media/video.h"
#include "media/volume.h"

namespace hm {

// What the model is told an item is: an image part or a video part of the prompt.
enum class MediaKind { kImage, kVideo, kVolume };

struct MediaItem {
  MediaKind kind = MediaKind::kImage;
  Frames frames;
};

// What the item's content is.
enum class MediaFormat {
  kImage,   // PNG or JPEG
  kVideo,   // a video file (mp4, avi, mkv, webm, gif) or a folder of frames
  kNifti,   // .nii / .nii.gz
  kDicom,   // a DICOM file, multi-frame file or series folder
  kVolume,  // NIfTI or DICOM, told apart by content (a folder is a DICOM series)
};

// Defaults are the reference callers': 180 slices along the acquisition axis, 1 frame per
// second, and no frame cap beyond the reference's 768 for folders of frames.
inline constexpr int kDefaultSlices = 180;
inline constexpr double kDefaultVideoFps = 1.0;

struct MediaSpec {
  MediaFormat format = MediaFormat::kImage;
  std::string path;            // a file or folder, `dicomweb:STUDY[/SERIES]` on the PACS, or empty when
  std::vector<uint8_t> bytes;  // the content came inline (an upload, a data: URI)
  std::string what;            // names the item in errors: "--video", "messages[0].content[1]"

  // Volumes (NIfTI, DICOM).
  std::optional<int> slices;          // default kDefaultSlices
  SliceAxis axis = SliceAxis::kAxial;
  std::optional<std::string> window;  // DICOM only: WIDTH:LEVEL, "file" or a CT preset

  // Videos.
  std::optional<double> fps;          // frames sampled per second; default kDefaultVideoFps
  std::optional<int> max_frames;      // default: limits.max_frames (768 at most for folders)
  std::optional<double> start, end;   // clip, in seconds
};

// What one front end lets a request ask for. The defaults are the engine's own bounds (for
// the command-line tools); the server sets tighter ones from its flags.
struct MediaLimits {
  int64_t max_image_pixels = kMaxImagePixels;  // per still image
  int max_frames = kMaxVideoFrames;             // per video
  int max_slices = kMaxSlices;                  // per volume
  int max_items = 64;                           // per request
  int64_t max_file_bytes = int64_t{1} << 32;    // per image file (read whole before decoding)
};

// A file larger than MediaLimits::max_file_bytes (the server answers 413, not 400).
class MediaTooLarge : public Error {
 public:
  using Error::Error;
};

// "axial", "coronal", "sagittal", or the numpy axis "2", "1", "0". `what` names the field.
SliceAxis ParseSliceAxis(std::string_view name, std::string_view what);

// Reads one item's options from a JSON object (an API content part's video_url/volume_url
// object, a dataset row), the same keys everywhere: "fps", "max_frames", "start", "end" for
// videos; "format" ("nifti" | "dicom"), "slices", "axis", "window" for volumes. Other keys are
// left alone. Throws hm::Error naming spec.what and the key on a wrong type or value.
void ReadMediaOptions(const nlohmann::json& obj, MediaSpec& spec);

// Throws hm::Error naming `what` when one more item would exceed limits.max_items; call it
// before loading the next item, with the number loaded so far.
void CheckRoomForMedia(size_t loaded, const MediaLimits& limits, std::string_view what);

// Loads one item: checks the options against `limits` before any large buffer is allocated,
// decodes, and classifies it (a single DICOM slice, an X-ray, is an image; other volumes and
// videos are videos to the prompt). A `dicomweb:` path is a series fetched from `pacs`, then
// read as local DICOM. Throws hm::Error (MediaTooLarge for oversized files, DicomWebError for
// the PACS's answers) naming spec.what.
MediaItem LoadMedia(const MediaSpec& spec, const MediaLimits& limits = {}, const DicomWebClient* pacs = nullptr);

}  // namespace hm
