// The generation loop: prefill the prompt, then decode one token at a time until a stop
// id or the token budget.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/decoder.h"
#include "runtime/sampler.h"

namespace hm {

struct GenerationOptions {
  int max_new_tokens = 128;
  SamplerOptions sampler;
  std::vector<int32_t> stop_ids;  // generation stops after emitting one of these
  int64_t prefill_chunk = 256;    // positions per prefill pass (bounds activation memory)
};

struct GenerationResult {
  std::vector<int32_t> tokens;  // generated ids, including the stop id if one was hit
  bool stopped_by_id = false;
  double prefill_seconds = 0;
  double decode_seconds = 0;
};

struct Prompt {
  std::vector<float> embeddings;  // [n, hidden]: token embeddings with visual features spliced in
  std::vector<int32_t> ids;       // [n]: token ids (image placeholders included), for penalties
};

// Calls on_token for each generated id; returning false stops early. When prompt_logits is
// given it receives the logits of every prompt position, [n, vocab].
GenerationResult Generate(Decoder& decoder, KvCache& cache, const Prompt& prompt,
                          const GenerationOptions& options, ThreadPool& pool,
                          const std::function<bool(int32_t)>& on_token,
                          std::vector<float>* prompt_logits = nullptr);

}  // namespace hm
