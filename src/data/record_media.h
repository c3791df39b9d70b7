// A training record's media loaded by the runtime's one media policy (runtime/media_request.h),
// the same code `run` and `serve` use, with its defaults (videos at 1 fps, 180 slices along
// the axial axis unless the record says otherwise).
#pragma once

#include <optional>

#include "data/data_record.h"
#include "runtime/media_request.h"

namespace hm {

// How videos are sampled, when a caller (a training recipe) sets it; unset: the runtime's.
struct VideoSampling {
  std::optional<double> fps;
  std::optional<int> max_frames;
};

// The item as the runtime states media: format, path, the record's volume options and the
// video sampling.
MediaSpec RecordMediaSpec(const MediaRef& media, const VideoSampling& video = {});

// Decodes the item; throws hm::Error naming the file on anything missing or undecodable.
// The result's kind says which placeholder the prompt uses (a one-slice DICOM is an image).
MediaItem LoadRecordMedia(const MediaRef& media, const VideoSampling& video = {});

}  // namespace hm
