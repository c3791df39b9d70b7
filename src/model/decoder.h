// The Qwen2 / Qwen3 text decoder: embeddings in, logits out, with a KV cache so each new
// token costs one pass over the weights.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "model/weights.h"

namespace hm {

class Decoder {
 public:
  // `weights` must outlive the decoder.
  Decoder(const LlmConfig& config, const DecoderWeights& weights);

  const LlmConfig& config() const { return config_; }

  // out: [ids.size(), hidden]. Ids outside the vocabulary are an hm::Error.
  void Embed(std::span<const int32_t> ids, float* out) const;

  // Runs n positions whose input embeddings are x ([n, hidden]) at positions
  // cache.size() .. cache.size()+n-1 and appends them to the cache. Writes logits
  // [n, vocab] when all_logits, else [1, vocab] for the last position.
  // Safe to call concurrently with different caches.
  void Forward(const float* x, int64_t n, KvCache& cache, float* logits, bool all_logits,
               ThreadPool& pool) const;

 private:
  struct RopeTable {
    std::vector<float> cos, sin;  // [n, head_dim] for the n positions of one Forward
  };
  RopeTable Rope(int64_t start, int64_t n) const;
  void Layer(int index, float* x, int64_t n, KvCache& cache, const RopeTable& rope, ThreadPool& pool) const;

  LlmConfig config_;
  const DecoderWeights& w_;
  std::vector<float> inv_freq_;  // [head_dim / 2], float32 as HF computes it
};

}  // namespace hm
