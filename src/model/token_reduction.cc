#include "model/token_reduction.h"

#include <algorithm>
#include <cmath>

#include "core/dtype.h"

namespace hm {
namespace {

float RoundBF16(float x) { return BF16ToF32(F32ToBF16(x)); }

// A frame with no kept token keeps its first one (the reference's min_tokens = 1).
void RescueEmptyFrames(std::vector<uint8_t>& mask, int64_t t, int64_t per_frame) {
  for (int64_t f = 0; f < t; ++f) {
    uint8_t* m = mask.data() + f * per_frame;
    if (std::find(m, m + per_frame, 1) == m + per_frame) m[0] = 1;
  }
}

}  // namespace

std::vector<uint8_t> PixelKeepMask(const PreprocessedMedia& media, const TokenReductionOptions& o) {
  const auto [t, gh, gw] = media.grid;
  const int64_t m = media.merge_size, per_frame = (gh / m) * (gw / m);
  std::vector<uint8_t> mask(static_cast<size_t>(t * per_frame), 1);
  if (t <= 1) return mask;
  // One token's values: its m*m consecutive patch rows (rows are in merge-block order).
  const int64_t values = m * m * media.pixels.cols;
  const float* pix = media.pixels.data.data();
  const bool bf16 = o.bf16_pixels;
  auto px = [&](int64_t i) { return bf16 ? RoundBF16(pix[i]) : pix[i]; };
  const float threshold = bf16 ? RoundBF16(o.threshold) : o.threshold;
  for (int64_t f = 0; f < t; ++f) {
    for (int64_t k = 0; k < per_frame; ++k) {
      float score;
      if (f == 0) {
        // The reference scores frame 0 as (threshold + 1) in pixel units and then divides by
        // 255 like the others, so it falls below the threshold.
        score = bf16 ? RoundBF16(RoundBF16(o.threshold + 1) / 255.0f) : (o.threshold + 1) / 255.0f;
        if (o.keep_first_frame) score = INFINITY;
      } else {
        const int64_t cur = (f * per_frame + k) * values, prev = ((f - 1) * per_frame + k) * values;
        float sum = 0;
        for (int64_t i = 0; i < values; ++i) {
          const float diff = px(cur + i) - px(prev + i);
          sum += std::fabs(bf16 ? RoundBF16(diff) : diff);
        }
        float mean = sum / static_cast<float>(values);
        if (bf16) mean = RoundBF16(mean);
        score = bf16 ? RoundBF16(RoundBF16(mean * 255.0f) / 255.0f) : mean * 255.0f / 255.0f;
      }
      mask[static_cast<size_t>(f * per_frame + k)] = score > threshold;
    }
  }
  RescueEmptyFrames(mask, t, per_frame);
  return mask;
}

std::vector<uint8_t> FeatureKeepMask(const std::vector<float>& features, int64_t t,
                                     int64_t per_frame, int64_t dim, const TokenReductionOptions& o) {
  std::vector<uint8_t> mask(static_cast<size_t>(t * per_frame), 1);
  for (int64_t f = 1; f < t; ++f)
    for (int64_t k = 0; k < per_frame; ++k) {
      const float* cur = features.data() + (f * per_frame + k) * dim;
      const float* prev = cur - per_frame * dim;
      double sum = 0;
      for (int64_t i = 0; i < dim; ++i) sum += std::fabs(cur[i] - prev[i]);
      mask[static_cast<size_t>(f * per_frame + k)] = sum / static_cast<double>(dim) > o.threshold;
    }
  RescueEmptyFrames(mask, t, per_frame);
  return mask;
}

}  // namespace hm
