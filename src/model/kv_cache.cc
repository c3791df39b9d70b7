#include "model/kv_cache.h"

#include "core/error.h"

namespace hm {

const char* KvTypeName(KvType t) {
  switch (t) {
    case KvType::kBF16: return "bf16";
    case KvType::kQ8: return "q8";
    default: return "f32";
  }
}

KvType ResolveKvType(const std::string& name, const ModelWeights& weights) {
  if (name == "auto") {
    const kernels::Matrix& m = weights.decoder.embed;
    return m.blocks == kernels::BlockType::kNone && m.dtype == DType::kF32 ? KvType::kF32 : KvType::kBF16;
  }
  for (KvType t : {KvType::kF32, KvType::kBF16, KvType::kQ8})
    if (name == KvTypeName(t)) return t;
  Fail("--kv-type: unknown KV cache type '", name, "' (expected auto, f32, bf16 or q8)");
}

KvCache::KvCache(const LlmConfig& config, int64_t capacity, KvType type)
    : type_(type),
      capacity_(capacity),
      row_(int64_t{config.n_kv_heads} * config.head_dim),
      head_dim_(config.head_dim),
      elem_(type == KvType::kF32 ? 4 : type == KvType::kBF16 ? 2 : 1) {
  HM_CHECK(capacity > 0, "context size must be positive, got ", capacity);
  const size_t values = static_cast<size_t>(config.n_layers) * capacity * row_;
  keys_.resize(values * elem_);
  values_.resize(values * elem_);
  if (type == KvType::kQ8) scales_.resize(2 * static_cast<size_t>(config.n_layers) * capacity * config.n_kv_heads);
}

uint8_t* KvCache::At(std::vector<uint8_t>& buf, int layer, int64_t pos) const {
  return buf.data() + ((layer * capacity_ + pos) * row_) * elem_;
}

void KvCache::Store(int layer, int64_t start, int64_t n, const float* k, const float* v) {
  const int64_t heads = row_ / head_dim_;
  float* ks = scales_.empty() ? nullptr : scales_.data() + (layer * capacity_ + start) * heads;
  float* vs = scales_.empty() ? nullptr : ks + scales_.size() / 2;
  kernels::StoreKv(type_, k, n, row_, head_dim_, At(keys_, layer, start), ks);
  kernels::StoreKv(type_, v, n, row_, head_dim_, At(values_, layer, start), vs);
}

kernels::KvView KvCache::View(int layer) const {
  auto& self = const_cast<KvCache&>(*this);
  const int64_t heads = row_ / head_dim_;
  const float* ks = scales_.empty() ? nullptr : scales_.data() + layer * capacity_ * heads;
  return {type_, self.At(self.keys_, layer, 0), self.At(self.values_, layer, 0), row_, ks,
          ks ? ks + scales_.size() / 2 : nullptr};
}

}  // namespace hm
