// Medical-aware token reduction for video and 3D inputs (SPEC section 5): visual tokens that
// barely change from the previous frame are dropped before the decoder sees them.
#pragma once

#include <cstdint>
#include <vector>

#include "media/preprocess.h"

namespace hm {

struct TokenReductionOptions {
  enum class Rule {
    kReference,  // the released code: pixel-space difference, frame 0 reduced to one token
    kPaper,      // the paper: encoder-feature difference against tau, frame 0 kept whole
  };
  Rule rule = Rule::kReference;
  // The reference's frame 0 is scored 1.1/255 < 0.1 and so loses all but its first token;
  // the evident intent is to keep it whole. Off by default, as the weights were run.
  bool keep_first_frame = false;
  // The reference runs pixel values in the model dtype; for bf16 checkpoints the mask is
  // then computed in bf16 (where 0.1 is 0.10009765625). Exact-compat mode does the same.
  bool bf16_pixels = false;
  float threshold = 0.1f;  // tau, on mean absolute difference
};

// Reference rule: keep mask (1 = keep) over the t * (gh/m) * (gw/m) tokens of one media item,
// from its normalized pixel rows. Media with t == 1 keep everything.
std::vector<uint8_t> PixelKeepMask(const PreprocessedMedia& media, const TokenReductionOptions& options);

// Paper rule: the same per-token test on encoder features [t * tokens_per_frame, dim].
std::vector<uint8_t> FeatureKeepMask(const std::vector<float>& features, int64_t t,
                                     int64_t tokens_per_frame, int64_t dim,
                                     const TokenReductionOptions& options);

}  // namespace hm
