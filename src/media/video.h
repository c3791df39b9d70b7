// Video files (mp4, avi, mkv, webm, gif, ... whatever FFmpeg demuxes) sampled into frames
// the way the reference's load_video does with decord (SPEC 3):
//   frames [start, end) with start = int(start_s * fps), end = int(end_s * fps), clamped;
//   with a target fps: every step-th frame, step = max(1, int(video_fps / fps));
//   more than max_frames left: floor(linspace(start, end - 1, max_frames)) instead;
//   timestamps = index / video_fps.
// Frames are decoded in order and only the chosen ones are converted to RGB24.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/frames.h"

namespace hm {

struct VideoOptions {
  std::optional<double> fps;         // target sampling rate (> 0); unset: every frame
  std::optional<int> max_frames;     // cap on the number of frames (>= 1); unset: no cap
  std::optional<double> start_s;     // clip start in seconds (>= 0)
  std::optional<double> end_s;       // clip end in seconds (> start_s)
};

// Upper bound on frames returned: a request beyond it is a mistake (the reference's own cap,
// MAX_FRAMES, is 768) and it bounds memory.
inline constexpr int kMaxVideoFrames = 4096;

// The reference's choice of frame indices for a video of `total` frames at `video_fps`.
// Throws hm::Error on invalid options or an empty range.
std::vector<int64_t> SampleVideoFrames(int64_t total, double video_fps, const VideoOptions& options);

// Decodes the chosen frames as RGB24 (a DICOM cine file goes to LoadDicomCine, dicom_cine.h). Result: from_pil = false (decoded video frames are
// numpy arrays in the reference, so its size quirk does not apply), merge size 2, one
// timestamp per frame. Throws hm::Error naming the file on anything unreadable.
Frames LoadVideo(const std::string& path, const VideoOptions& options = {});

}  // namespace hm
