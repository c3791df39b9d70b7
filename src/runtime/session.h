// One KV cache kept across requests, with the positions it holds, so that a request sharing
// a prompt prefix with the previous one on this cache (a chat's earlier turns, a common
// system prompt) only runs the decoder over the rest.
#pragma once

#include <cstdint>
#include <vector>

#include "model/kv_cache.h"
#include "runtime/generate.h"

namespace hm {

class Session {
 public:
  // `image_token` marks visual positions: their embeddings come from the media, not the id,
  // so they match only if the spliced features match too.
  Session(const LlmConfig& config, int64_t capacity, int32_t image_token, KvType kv_type = KvType::kF32);

  KvCache& cache() { return cache_; }

  // Positions of `prompt` this cache already holds (never all of them: the last prompt
  // position must run to give the first logits).
  int64_t CommonPrefix(const Prompt& prompt) const;

  // Truncates the cache to the shared prefix (none unless `reuse`) and returns the prompt
  // rest that Generate must feed. Generate's repetition penalty sees only the ids passed to
  // it, so callers reuse only when that penalty is off.
  Prompt Begin(const Prompt& prompt, bool reuse);

  // After Generate: the cache now holds the prompt and the generated ids it fed.
  void End(const Prompt& prompt, const std::vector<int32_t>& generated);

  // Forgets everything, e.g. after a failed generation left the cache half written.
  void Reset();

 private:
  uint64_t RowHash(const Prompt& prompt, int64_t position) const;

  KvCache cache_;
  int32_t image_token_;
  int64_t hidden_;
  std::vector<int32_t> ids_;        // ids of the positions in the cache
  std::vector<uint64_t> row_hash_;  // per position: a hash of the embedding at image positions, else 0
};

}  // namespace hm
