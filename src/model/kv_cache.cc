#include "model/kv_cache.h"

#include "core/error.h"

namespace hm {

KvCache::KvCache(const LlmConfig& config, int64_t capacity)
    : capacity_(capacity), row_(int64_t{config.n_kv_heads} * config.head_dim) {
  HM_CHECK(capacity > 0, "context size must be positive, got ", capacity);
  const size_t floats = static_cast<size_t>(config.n_layers) * capacity * row_;
  keys_.resize(floats);
  values_.resize(floats);
}

}  // namespace hm
