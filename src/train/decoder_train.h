// The Qwen2 / Qwen3 decoder for training: a forward over one whole sequence that keeps the
// activations its backward needs, the backward through it, and the loss head that sends only
// labelled rows through lm_head. Reads the f32 master values of a ParamSet and accumulates
// into its gradients, so an optimizer step between two calls is seen by the next one; or, for
// LoRA, reads a checkpoint's frozen weights (any format) with LoRA layers beside them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/config.h"
#include "model/weights.h"
#include "train/bf16_weights.h"
#include "train/lora.h"
#include "train/param_set.h"

namespace hm::train {

class DecoderTrainer {
 public:
  // `params` must outlive the trainer.
  explicit DecoderTrainer(ParamSet& params);
  // Over a loaded checkpoint's weights (any format, quantized included), all frozen: the base
  // of LoRA, whose layers are then attached with Adapt. `weights` must outlive the trainer.
  DecoderTrainer(const LlmConfig& config, const DecoderWeights& weights);

  // Puts a LoRA update beside the projection whose checkpoint tensor is `weight`
  // ("model.layers.0.self_attn.q_proj.weight"); hm::Error if there is none. `lora` must
  // outlive the trainer.
  void Adapt(const std::string& weight, const LoraLayer* lora);

  const LlmConfig& config() const { return config_; }

  // Activation recomputation: each layer's tape then keeps only the layer input, and Backward
  // re-runs the layer's forward from it. Memory of one layer's activations instead of all, for
  // one more forward of compute; the gradients are bit-identical.
  void set_recompute_activations(bool on) { recompute_ = on; }

  // A frozen decoder (off): the backward still carries the gradient through the activations
  // to the input embeddings (the visual tokens need it) but computes no weight gradient.
  void set_weight_grads(bool on) { weight_grads_ = on; }
  bool weight_grads() const { return weight_grads_; }

  // bf16 compute (null: f32): every projection, lm_head included, reads its weight's bf16 copy
  // and rounds its input (ops.h LinearForwardBf16). Not with LoRA layers.
  void set_bf16(const Bf16Weights* weights) { bf16_ = weights; }

  // What one layer's backward reads. q/k/v are after q/k norm and RoPE.
  struct LayerTape {  // with recomputation, only x is kept
    std::vector<float> x, xn;            // [n, hidden]: layer input, input_norm(x)
    std::vector<float> q_raw, k_raw;     // [n, q_dim], [n, kv_dim] before q/k norm (Qwen3 only)
    std::vector<float> q, k, v, attn;    // [n, q_dim], [n, kv_dim], [n, kv_dim], [n, q_dim]
    std::vector<float> lse;              // [n, heads]
    std::vector<float> mid, mn;          // [n, hidden]: x + attention, post_attention_norm(mid)
    std::vector<float> gate, up, act;    // [n, intermediate]: act = silu(gate) ⊙ up
  };
  struct Tape {
    int64_t n = 0;
    std::vector<float> cos, sin;     // [n, head_dim]
    std::vector<LayerTape> layers;
    std::vector<float> last;         // [n, hidden] last layer's output
    std::vector<float> out;          // [n, hidden] final_norm(last): what lm_head reads
  };

  // The ids' embedding rows, [ids.size(), hidden]; ids outside the vocabulary are an hm::Error.
  std::vector<float> Embed(std::span<const int32_t> ids) const;
  // Adds dx [ids.size(), hidden] into the embedding gradient (nothing when frozen).
  void EmbedBackward(std::span<const int32_t> ids, const float* dx) const;

  // x: [n, hidden] input embeddings at positions 0..n-1 of one sequence.
  void Forward(const float* x, int64_t n, Tape& tape, ThreadPool& pool) const;

  // logits: [rows.size(), vocab] of the tape's rows `rows`.
  void Logits(const Tape& tape, std::span<const int64_t> rows, float* logits, ThreadPool& pool) const;

  // Next-token cross entropy of row rows[i] against targets[i]: returns the sum of the
  // losses, adds scale * ∂(sum)/∂(lm_head) to its gradient and writes d_out [n, hidden],
  // scale * ∂(sum)/∂(tape.out) (zero on unlabelled rows).
  double Loss(const Tape& tape, std::span<const int64_t> rows, std::span<const int32_t> targets, float scale,
              float* d_out, ThreadPool& pool) const;

  // From d_out [n, hidden] back through the final norm and every layer: accumulates every
  // decoder parameter's gradient and writes dx [n, hidden], the input embeddings' gradient.
  void Backward(const Tape& tape, const float* d_out, float* dx, ThreadPool& pool) const;

 private:
  // A weight as the passes read it: the f32 master of a trained parameter, or a frozen view of
  // a checkpoint in any format with no gradient (LoRA's base). Vectors are [1, n] f32.
  struct Weight {
    kernels::Matrix m;
    TrainParam* param = nullptr;     // null: frozen
    const LoraLayer* lora = nullptr;  // projections only
  };
  struct LayerParams {
    Weight input_norm, post_norm, q, k, v, o, gate, up, down;
    Weight q_bias, k_bias, v_bias;  // Qwen2 (Qwen3 if attention_bias); m.data null when absent
    Weight q_norm, k_norm;          // Qwen3
  };
  static const float* Data(const Weight& w) { return static_cast<const float*>(w.m.data); }
  // Null for a frozen view, and for every weight while weight gradients are off.
  float* Grad(const Weight& w) const { return w.param && weight_grads_ ? w.param->grad.data() : nullptr; }
  // y = x Wᵀ + b (+ the LoRA update); the backward writes dx and accumulates what trains.
  void Project(const Weight& w, const Weight& b, const float* x, int64_t n, float* y, ThreadPool& pool) const;
  void ProjectBackward(const Weight& w, const Weight& b, const float* x, int64_t n, const float* dy, float* dx,
                       ThreadPool& pool) const;
  void InitRope();
  void LayerForward(const LayerParams& p, const Tape& tape, const float* x, LayerTape& t, float* y,
                    ThreadPool& pool) const;
  // dy: [n, hidden] gradient of the layer output, replaced by that of its input.
  void LayerBackward(const LayerParams& p, const Tape& tape, const LayerTape& t, std::vector<float>& dy,
                     ThreadPool& pool) const;

  LlmConfig config_;
  bool qk_norm_;
  bool recompute_ = false;
  bool weight_grads_ = true;
  const Bf16Weights* bf16_ = nullptr;
  Weight embed_, lm_head_, final_norm_;
  std::vector<LayerParams> layers_;
  std::vector<float> inv_freq_;  // [head_dim / 2]
};

}  // namespace hm::train
