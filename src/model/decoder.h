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
  void Forward(const float* x, int64_t n, KvCache& cache, float* logits, bool all_logits,
               ThreadPool& pool);

 private:
  void EnsureRopeTable(int64_t positions);
  void Layer(int index, float* x, int64_t n, KvCache& cache, ThreadPool& pool);

  LlmConfig config_;
  const DecoderWeights& w_;
  // cos/sin per position, [positions, head_dim], computed in float32 the way HF does.
  std::vector<float> rope_cos_, rope_sin_;
  int64_t rope_positions_ = 0;
};

}  // namespace hm
