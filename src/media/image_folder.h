// A folder of images read as a video, with the reference's rules (load_video_from_ids for a
// directory): files in lexicographic order are frames at 1 frame per second.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/frames.h"

namespace hm {

inline constexpr int kDefaultMaxFrames = 768;  // the reference's MAX_FRAMES

struct FolderOptions {
  // Frames per second to sample; the folder itself plays at 1 fps, so only 0 < fps <= 1 makes
  // sense (step = 1 // fps, centred). nullopt samples max_frames uniformly instead, as the
  // reference does when a frame count is requested.
  std::optional<double> fps = 1.0;
  int max_frames = kDefaultMaxFrames;
  // Start/end times in seconds (= frame numbers at 1 fps); see SampleFolderFrames.
  std::optional<double> start, end;
};

// Which of n frames the reference samples: with start s and end e the range is
// max(int(s) - 1, 0) ..= min(int(e) - 1, n - 1) (both given: clamped at 0, swapped if
// reversed, e = s + 1 if equal); then, with fps and fewer than max_frames frames,
// arange(step // 2, len, step) for step = min(1 // fps, len), else uniform sampling of
// max_frames (all frames if fewer). Throws hm::Error for fps > 1 (the reference divides by
// zero), fps <= 0, max_frames < 1, or an empty selection.
std::vector<int64_t> SampleFolderFrames(int64_t n, const FolderOptions& opts);

// The folder's regular files and other entries, sorted by name (byte order, like Python's
// sorted(os.listdir())); every sampled entry must decode as an image. Timestamps are the frame
// numbers in seconds; merge size 2, PIL size quirk applies.
Frames LoadImageFolder(const std::string& dir, const FolderOptions& opts = {});

}  // namespace hm
