// The vision tower for training: patch rows of one media item through the encoder (per-frame
// attention), the merge-size downsample and the projector, keeping the activations, and the
// backward from the projected features to every vision and projector parameter.
#pragma once

#include <cstdint>
#include <vector>

#include "core/thread_pool.h"
#include "media/preprocess.h"
#include "model/config.h"
#include "train/param_set.h"

namespace hm::train {

class VisionTrainer {
 public:
  // hm::Error if the checkpoint has no vision tower. `params` must outlive the trainer.
  explicit VisionTrainer(ParamSet& params);

  struct LayerTape {
    std::vector<float> x, xn1;          // [n, D]: layer input, layer_norm1(x)
    std::vector<float> q, k, v, attn;   // [n, D], q and k after RoPE
    std::vector<float> lse;             // [n, heads]
    std::vector<float> mid, xn2;        // [n, D]: x + attention, layer_norm2(mid)
    std::vector<float> h, a;            // [n, intermediate]: fc1 output, gelu(h)
  };
  struct FrameTape {
    std::vector<float> cos, sin;  // [n, head_dim]
    std::vector<LayerTape> layers;
    std::vector<float> last;      // [n, D] before post_layernorm
  };
  struct Tape {
    std::vector<FrameTape> frames;
    std::vector<std::vector<float>> projector_in;  // per projector layer: its input [tokens, ...]
    std::vector<std::vector<float>> projector_pre;  // per layer but the last: pre-GELU output
  };

  // Which parts learn: a frozen part computes no weight gradient, and the backward stops
  // where nothing below it learns (the projector alone: no pass through the encoder).
  void set_trains(bool encoder, bool projector) {
    trains_encoder_ = encoder;
    trains_projector_ = projector;
  }
  bool trains_any() const { return trains_encoder_ || trains_projector_; }

  // media: pixel rows [t * gh * gw, C*P*P] in merge-block order. Returns the projected visual
  // tokens [t * (gh/m) * (gw/m), decoder hidden], row-major per frame (bilinear downsample by m).
  std::vector<float> Forward(const PreprocessedMedia& media, Tape& tape, ThreadPool& pool) const;

  // d_tokens: [tokens, decoder hidden], the gradient of the returned tokens. Accumulates
  // the gradient of every vision and projector parameter that trains.
  void Backward(const PreprocessedMedia& media, const Tape& tape, const float* d_tokens, ThreadPool& pool) const;

 private:
  struct LayerParams {
    TrainParam *ln1_w, *ln1_b, *ln2_w, *ln2_b, *q_w, *q_b, *k_w, *k_b, *v_w, *v_b, *o_w, *o_b, *fc1_w, *fc1_b,
        *fc2_w, *fc2_b;
  };
  struct Linear {
    TrainParam *w, *b;
    int64_t out, in;
  };
  void FrameForward(const float* patches, int64_t gh, int64_t gw, int merge, FrameTape& t, float* out,
                    ThreadPool& pool) const;
  void FrameBackward(const float* patches, int64_t n, const FrameTape& t, const float* d_out, ThreadPool& pool) const;

  VisionConfig config_;
  bool trains_encoder_ = true, trains_projector_ = true;
  TrainParam *patch_w_, *patch_b_, *post_w_, *post_b_;
  std::vector<LayerParams> layers_;
  std::vector<Linear> projector_;  // exact GELU between consecutive layers
};

}  // namespace hm::train
