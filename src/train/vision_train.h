// The vision tower for training: patch rows of one media item through the encoder (per-frame
// attention), the merge-size downsample and the projector, keeping the activations, and the
// backward from the projected features to every vision and projector parameter. Reads the f32
// master values of a ParamSet; or, for LoRA, a checkpoint's frozen weights (any format the
// engine loads) with LoRA layers beside the encoder's projections.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "media/preprocess.h"
#include "model/config.h"
#include "model/weights.h"
#include "train/bf16_weights.h"
#include "train/lora.h"
#include "train/param_set.h"

namespace hm::train {

class VisionTrainer {
 public:
  // hm::Error if the checkpoint has no vision tower. `params` must outlive the trainer.
  explicit VisionTrainer(ParamSet& params);
  // Over a loaded checkpoint's vision tower and projector, all frozen: the base of LoRA, whose
  // layers are then attached with Adapt. hm::Error without a vision tower. `weights` must
  // outlive the trainer.
  VisionTrainer(const ModelConfig& config, const ModelWeights& weights);

  // Puts a LoRA update beside the encoder projection whose checkpoint tensor is `weight`
  // ("model.vision_encoder.encoder.layers.0.mlp.fc1.weight"); hm::Error if there is none.
  // `lora` must outlive the trainer.
  void Adapt(const std::string& weight, const LoraLayer* lora);
  // The projector reads and trains `params` instead of the frozen view: each layer's weight
  // [out, in] then bias [out], in ProjectorLayers order (f32 masters; LoRA's modules_to_save).
  // `params` must outlive the trainer.
  void TrainProjector(std::span<TrainParam> params);

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
  // where nothing below it learns (the projector alone: no pass through the encoder). An
  // encoder with LoRA layers learns through them even when its weights are frozen.
  void set_trains(bool encoder, bool projector) {
    trains_encoder_ = encoder;
    trains_projector_ = projector;
  }
  bool trains_any() const { return encoder_learns() || trains_projector_; }

  // bf16 compute (null: f32): the patch embedding, every encoder projection and the projector
  // read their weight's bf16 copy and round their input (ops.h LinearForwardBf16).
  void set_bf16(const Bf16Weights* weights) { bf16_ = weights; }

  // media: pixel rows [t * gh * gw, C*P*P] in merge-block order. Returns the projected visual
  // tokens [t * (gh/m) * (gw/m), decoder hidden], row-major per frame (bilinear downsample by m).
  std::vector<float> Forward(const PreprocessedMedia& media, Tape& tape, ThreadPool& pool) const;

  // d_tokens: [tokens, decoder hidden], the gradient of the returned tokens. Accumulates
  // the gradient of every vision and projector parameter that trains.
  void Backward(const PreprocessedMedia& media, const Tape& tape, const float* d_tokens, ThreadPool& pool) const;

 private:
  // A weight as the passes read it: the f32 master of a trained parameter, or a frozen view of
  // a checkpoint in any format with no gradient (LoRA's base). Vectors are [1, n] f32.
  struct Weight {
    kernels::Matrix m;
    TrainParam* param = nullptr;      // null: frozen
    const LoraLayer* lora = nullptr;  // encoder projections only
  };
  struct Linear {
    Weight w, b;
  };
  struct LayerParams {
    Weight ln1_w, ln1_b, ln2_w, ln2_b;
    Linear q, k, v, o, fc1, fc2;
  };
  static const float* Data(const Weight& w) { return static_cast<const float*>(w.m.data); }
  // Null for a frozen view, and for every weight of a part that does not train.
  static float* Grad(const Weight& w, bool trains) { return w.param && trains ? w.param->grad.data() : nullptr; }
  bool encoder_learns() const { return trains_encoder_ || adapted_; }
  // y = x Wᵀ + b (+ the LoRA update); the backward writes dx (null: not wanted) and
  // accumulates what trains.
  void Project(const Linear& l, const float* x, int64_t n, float* y, ThreadPool& pool) const;
  void ProjectBackward(const Linear& l, bool trains, const float* x, int64_t n, const float* dy, float* dx,
                       ThreadPool& pool) const;
  void FrameForward(const float* patches, int64_t gh, int64_t gw, int merge, FrameTape& t, float* out,
                    ThreadPool& pool) const;
  void FrameBackward(const float* patches, int64_t n, const FrameTape& t, const float* d_out, ThreadPool& pool) const;

  VisionConfig config_;
  bool trains_encoder_ = true, trains_projector_ = true;
  bool adapted_ = false;  // some encoder projection has a LoRA layer
  const Bf16Weights* bf16_ = nullptr;
  Linear patch_;          // the conv as a matmul: [D, C*P*P]
  Weight post_w_, post_b_;
  std::vector<LayerParams> layers_;
  std::vector<Linear> projector_;  // exact GELU between consecutive layers
};

}  // namespace hm::train
