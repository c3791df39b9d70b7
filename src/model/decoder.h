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

  // One piece of a batched step: n positions of one sequence, continuing its own cache.
  struct Segment {
    const float* x;   // [n, hidden] input embeddings
    int64_t n;
    KvCache* cache;
    float* logits;    // [n, vocab] when all_logits, else [1, vocab] for the last position
    bool all_logits = false;
  };
  // Forward for several sequences at once: every matmul streams the weights once for all
  // their rows, while RoPE positions, cache writes and attention stay per sequence. That is
  // how a server decodes many streams for about the cost of one. Each segment's results
  // are those Forward gives it alone, up to the float rounding of the matmul path that a
  // larger row count selects. The caches must be distinct.
  void ForwardBatch(std::span<const Segment> segments, ThreadPool& pool) const;

 private:
  struct RopeTable {
    std::vector<float> cos, sin;  // [n, head_dim] for the n positions of one Forward
  };
  RopeTable Rope(int64_t start, int64_t n) const;
  // Segment rows as they sit in the batch: rows [offset, offset + n) of x.
  struct Placed {
    int64_t offset, n;
    KvCache* cache;
    RopeTable rope;
  };
  void Layer(int index, float* x, int64_t rows, std::span<const Placed> placed, ThreadPool& pool) const;

  LlmConfig config_;
  const DecoderWeights& w_;
  std::vector<float> inv_freq_;  // [head_dim / 2], float32 as HF computes it
};

}  // namespace hm
