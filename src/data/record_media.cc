#include "data/record_media.h"

#include <filesystem>

#include "core/error.h"

namespace hm {

MediaSpec RecordMediaSpec(const MediaRef& m, const VideoSampling& video) {
  MediaSpec spec;
  spec.path = m.path;
  spec.what = m.path;
  switch (m.kind) {
    case MediaRef::Kind::kImage: spec.format = MediaFormat::kImage; break;
    case MediaRef::Kind::kVideo:
      spec.format = MediaFormat::kVideo;
      spec.fps = video.fps;
      spec.max_frames = video.max_frames;
      break;
    case MediaRef::Kind::kVolume:
      spec.format = MediaFormat::kVolume;
      spec.slices = m.slices;
      if (!m.axis.empty()) spec.axis = ParseSliceAxis(m.axis, m.field + ".axis");
      if (!m.window.empty()) spec.window = m.window;
      break;
  }
  return spec;
}

MediaItem LoadRecordMedia(const MediaRef& m, const VideoSampling& video) {
  std::error_code ec;
  HM_CHECK(std::filesystem::exists(m.path, ec), m.path, ": missing file");
  return LoadMedia(RecordMediaSpec(m, video));
}

}  // namespace hm
