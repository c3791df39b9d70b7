// The vision tower: patch rows of one media item -> visual tokens in the decoder's space.
// SigLIP-style ViT with 2D RoPE and per-frame attention, then a downsample by the merge
// size and the MLP projector (SPEC section 4).
#pragma once

#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "media/preprocess.h"
#include "model/config.h"
#include "model/weights.h"

namespace hm {

class VisionEncoder {
 public:
  // The weights must outlive the encoder.
  VisionEncoder(const VisionConfig& config, const VisionWeights& weights,
                const std::vector<Linear>& projector);

  // Encoder output after post_layernorm and downsampling, before the projector:
  // [t * (gh/m) * (gw/m), vision hidden], frames in order, tokens row-major per frame.
  std::vector<float> Encode(const PreprocessedMedia& media, ThreadPool& pool) const;

  // The projector: [n, vision hidden] -> [n, decoder hidden].
  std::vector<float> Project(const std::vector<float>& features, ThreadPool& pool) const;

  int64_t hidden() const { return config_.hidden; }
  int64_t output_hidden() const { return projector_.back().weight.rows; }

 private:
  // One frame's patch rows [n, C*P*P] (merge-block order) -> encoder states [n, D].
  void EncodeFrame(const float* patches, int64_t gh, int64_t gw, int merge, float* out,
                   ThreadPool& pool) const;

  VisionConfig config_;
  const VisionWeights& w_;
  const std::vector<Linear>& projector_;
};

// Grid (row, column) of the i-th patch row of a frame: rows come in m x m merge blocks, the
// blocks row-major over the frame and the patches row-major inside a block.
std::pair<int64_t, int64_t> PatchPosition(int64_t i, int64_t gw, int m);

// The 2D RoPE tables of one frame's patch rows (merge-block order), [gh * gw, head_dim] each:
// angles (row * f, col * f) repeated twice (rotate-half pairing), f as the reference
// computes it in float32.
struct VisionRopeTables {
  std::vector<float> cos, sin;
};
VisionRopeTables VisionRope(const VisionConfig& config, int64_t gh, int64_t gw, int merge);

// Bilinear resize of a [h, w, c] grid to [oh, ow, c] with PyTorch's align_corners=False
// arithmetic (for an integer factor m = 2 this is the mean of each 2x2 block).
std::vector<float> BilinearResize(const float* in, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow);
// Its transpose, for training: d_in [h, w, c] += the taps of BilinearResize applied to d_out [oh, ow, c].
void BilinearResizeBackward(const float* d_out, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow, float* d_in);

}  // namespace hm
