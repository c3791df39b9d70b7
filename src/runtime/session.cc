#include "runtime/session.h"

#include <algorithm>
#include <cstring>

namespace hm {

Session::Session(const LlmConfig& config, int64_t capacity, int32_t image_token, KvType kv_type)
    : cache_(config, capacity, kv_type), image_token_(image_token), hidden_(config.hidden) {}

uint64_t Session::RowHash(const Prompt& prompt, int64_t position) const {
  if (prompt.ids[position] != image_token_) return 0;
  // FNV-1a over the row's bytes: two images with equal placeholder ids must not share a cache.
  uint64_t h = 1469598103934665603ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(prompt.embeddings.data() + position * hidden_);
  for (int64_t i = 0; i < hidden_ * static_cast<int64_t>(sizeof(float)); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  return h | 1;  // never 0, which marks text positions
}

int64_t Session::CommonPrefix(const Prompt& prompt) const {
  const int64_t n = static_cast<int64_t>(prompt.ids.size());
  const int64_t limit = std::min<int64_t>(std::min<int64_t>(ids_.size(), cache_.size()), n - 1);
  int64_t k = 0;
  while (k < limit && ids_[k] == prompt.ids[k] && row_hash_[k] == RowHash(prompt, k)) ++k;
  return k;
}

Prompt Session::Begin(const Prompt& prompt, bool reuse) {
  const int64_t keep = reuse ? CommonPrefix(prompt) : 0;
  cache_.Truncate(keep);
  ids_.resize(keep);
  row_hash_.resize(keep);
  Prompt rest;
  rest.ids.assign(prompt.ids.begin() + keep, prompt.ids.end());
  rest.embeddings.assign(prompt.embeddings.begin() + keep * hidden_, prompt.embeddings.end());
  return rest;
}

void Session::End(const Prompt& prompt, const std::vector<int32_t>& generated) {
  const int64_t n = static_cast<int64_t>(prompt.ids.size());
  const int64_t held = cache_.size();
  ids_.resize(held);
  row_hash_.resize(held);
  for (int64_t i = 0; i < held; ++i) {
    const bool from_prompt = i < n;
    ids_[i] = from_prompt ? prompt.ids[i] : generated[i - n];
    row_hash_[i] = from_prompt ? RowHash(prompt, i) : 0;
  }
}

void Session::Reset() {
  cache_.Truncate(0);
  ids_.clear();
  row_hash_.clear();
}

}  // namespace hm
