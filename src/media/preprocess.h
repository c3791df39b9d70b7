// Frames -> the vision encoder's patch rows, exactly as the reference image processor makes
// them (SPEC sections 3 and 9): one target size per media item, Pillow bicubic resize,
// rescale + normalize in float32, rows in merge-block order.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "media/frames.h"
#include "media/preprocessor_config.h"

namespace hm {

class ThreadPool;

struct PreprocessOptions {
  // The reference swaps height and width of PIL-sourced inputs when choosing the target size
  // (Frames::from_pil); the released weights were run that way, so it is the default. True
  // keeps each input's real aspect ratio instead.
  bool true_aspect_ratio = false;
  // Frames are resized in parallel on this pool when given; results do not depend on it.
  ThreadPool* pool = nullptr;
};

// x: [rows, cols] row-major float32; rows = t * gh * gw patches, cols = 3 * P * P.
struct PixelRows {
  std::vector<float> data;
  int64_t rows = 0;
  int64_t cols = 0;
};

struct PreprocessedMedia {
  PixelRows pixels;
  std::array<int64_t, 3> grid{0, 0, 0};  // (t, gh, gw) in patches
  int merge_size = 1;
};

// Target (height, width) in pixels of every media item of one request. When all merge sizes
// agree: factor f = P * m, round to f, shrink to max_tokens * f^2 / N (N = all frames of the
// request), grow to min_tokens * f^2. When they differ: the reference's global token budget
// without a minimum. Python rounding (half to even) throughout. Throws hm::Error when a size
// collapses to zero (the reference crashes in Pillow there).
std::vector<std::array<int64_t, 2>> TargetSizes(const std::vector<Frames>& media,
                                                const PreprocessorConfig& config,
                                                const PreprocessOptions& opts = {});

// All media items of one request, in order.
std::vector<PreprocessedMedia> Preprocess(const std::vector<Frames>& media,
                                          const PreprocessorConfig& config,
                                          const PreprocessOptions& opts = {});

}  // namespace hm
