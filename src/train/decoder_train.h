// The Qwen2 / Qwen3 decoder for training: a forward over one whole sequence that keeps the
// activations its backward needs, the backward through it, and the loss head that sends only
// labelled rows through lm_head. Reads the f32 master values of a ParamSet and accumulates
// into its gradients, so an optimizer step between two calls is seen by the next one.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/config.h"
#include "train/param_set.h"

namespace hm::train {

class DecoderTrainer {
 public:
  // `params` must outlive the trainer.
  explicit DecoderTrainer(ParamSet& params);

  const LlmConfig& config() const { return config_; }

  // Activation recomputation: each layer's tape then keeps only the layer input, and Backward
  // re-runs the layer's forward from it. Memory of one layer's activations instead of all, for
  // one more forward of compute; the gradients are bit-identical.
  void set_recompute_activations(bool on) { recompute_ = on; }

  // A frozen decoder (off): the backward still carries the gradient through the activations
  // to the input embeddings (the visual tokens need it) but computes no weight gradient.
  void set_weight_grads(bool on) { weight_grads_ = on; }
  bool weight_grads() const { return weight_grads_; }

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
  struct LayerParams {
    TrainParam *input_norm, *post_norm, *q, *k, *v, *o, *gate, *up, *down;
    TrainParam *q_bias = nullptr, *k_bias = nullptr, *v_bias = nullptr;  // Qwen2 (Qwen3 if attention_bias)
    TrainParam *q_norm = nullptr, *k_norm = nullptr;                     // Qwen3
  };
  void LayerForward(const LayerParams& p, const Tape& tape, const float* x, LayerTape& t, float* y,
                    ThreadPool& pool) const;
  // dy: [n, hidden] gradient of the layer output, replaced by that of its input.
  void LayerBackward(const LayerParams& p, const Tape& tape, const LayerTape& t, std::vector<float>& dy,
                     ThreadPool& pool) const;

  float* Grad(TrainParam* p) const;  // null when frozen

  LlmConfig config_;
  bool qk_norm_;
  bool recompute_ = false;
  bool weight_grads_ = true;
  TrainParam *embed_, *lm_head_, *final_norm_;
  std::vector<LayerParams> layers_;
  std::vector<float> inv_freq_;  // [head_dim / 2]
};

}  // namespace hm::train
