// OpenAI content parts that carry media, turned into the engine's MediaItems:
//   {"type": "image_url",  "image_url":  {"url": URL}}
//   {"type": "video_url",  "video_url":  {"url": URL, "fps": 1, "max_frames": N, "start": s, "end": s}}
//   {"type": "volume_url", "volume_url": {"url": URL, "format": "nifti"|"dicom", "slices": N,
//                                         "axis": "axial"|"coronal"|"sagittal", "window": "lung"}}
// URL is a data: URI (base64) or, with --allow-local-files, a path or file:// URL under the
// root. Defaults, option ranges and limits are the runtime's media policy (media_request.h),
// the same as `hulumed run`'s; "axis" also takes the numpy axis 0, 1, 2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/media_request.h"
#include "server/file_root.h"

namespace hm {

class MediaResolver {
 public:
  // `pacs` (may be null) serves `dicomweb:` URLs; it must outlive the resolver.
  MediaResolver(MediaLimits limits, std::optional<FileRoot> root, const DicomWebClient* pacs = nullptr)
      : limits_(limits), root_(std::move(root)), pacs_(pacs) {}

  const MediaLimits& limits() const { return limits_; }

  // `part` is one content part whose type is image_url, video_url or volume_url; `what`
  // names it in errors ("messages[0].content[1]"). Throws ApiError / hm::Error (both 4xx;
  // 413 for an oversized file).
  MediaItem Resolve(const nlohmann::json& part, const std::string& what) const;

 private:
  MediaLimits limits_;
  std::optional<FileRoot> root_;
  const DicomWebClient* pacs_;
};

}  // namespace hm
