// Kernel microbenchmarks at Hulu-Med-7B shapes (hidden 3584, MLP 18944): matmul per weight
// format for decode (1 token) and prefill (up to 64 tokens), attention over a 4096-token bf16
// cache, and one vision frame's attention. Bytes/s counts weight bytes, so decode figures
// compare directly with bandwidth.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/dtype.h"
#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

constexpr int64_t kRows = 18944, kCols = 3584;

struct Weights {
  std::vector<uint8_t> bytes;
  Matrix m;
};

Weights Make(int format) {  // 0 bf16, then the block types
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> row(kCols);
  Weights w;
  const BlockType bt = format == 0 ? BlockType::kNone : static_cast<BlockType>(format);
  const size_t row_bytes = format == 0 ? kCols * 2 : RowBytes(bt, kCols);
  w.bytes.resize(kRows * row_bytes);
  for (int64_t r = 0; r < kRows; ++r) {
    for (float& v : row) v = dist(rng);
    uint8_t* dst = w.bytes.data() + r * row_bytes;
    if (format == 0)
      for (int64_t c = 0; c < kCols; ++c) reinterpret_cast<uint16_t*>(dst)[c] = F32ToBF16(row[c]);
    else
      QuantizeRow(bt, row.data(), kCols, dst);
  }
  w.m = Matrix{DType::kBF16, kRows, kCols, w.bytes.data(), bt};
  return w;
}

void BM_MatMul(benchmark::State& state) {
  const Weights w = Make(static_cast<int>(state.range(0)));
  const int64_t n = state.range(1);
  ThreadPool pool(2);
  std::vector<float> x(n * kCols, 0.1f), y(n * kRows);
  for (auto _ : state) {
    MatMul(x.data(), n, w.m, nullptr, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(w.bytes.size()));
  state.counters["GOP/s"] = benchmark::Counter(2.0 * n * kRows * kCols * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(state.range(0) == 0 ? "bf16" : BlockTypeName(w.m.blocks));
}
BENCHMARK(BM_MatMul)->ArgsProduct({{0, 1, 2, 3}, {1, 4, 8, 16, 32, 64}})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AttentionDecode(benchmark::State& state) {
  const int64_t n_kv = 4096, heads = 28, kv_heads = 4, hd = 128;
  std::vector<uint16_t> k(n_kv * kv_heads * hd, F32ToBF16(0.01f)), v = k;
  std::vector<float> q(heads * hd, 0.1f), out(q.size());
  ThreadPool pool(2);
  const KvView view{KvType::kBF16, k.data(), v.data(), kv_heads * hd};
  for (auto _ : state) {
    Attention(q.data(), 1, view, n_kv, {heads, kv_heads, hd, true, n_kv - 1}, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(2 * k.size() * 2));
}
BENCHMARK(BM_AttentionDecode)->Unit(benchmark::kMicrosecond)->UseRealTime();

// One vision frame's attention: 1024 patches, 16 heads of 80, f32, no causal mask.
void BM_AttentionVision(benchmark::State& state) {
  const int64_t n = 1024, heads = 16, hd = 80;
  std::vector<float> q(n * heads * hd, 0.01f), k = q, v = q, out(q.size());
  ThreadPool pool(2);
  for (auto _ : state) {
    Attention(q.data(), n, k.data(), v.data(), n, heads * hd, {heads, heads, hd, false, 0}, out.data(), pool);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(4.0 * n * n * heads * hd * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AttentionVision)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace hm::kernels

BENCHMARK_MAIN();
