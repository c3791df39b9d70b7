// Kernel microbenchmarks at Hulu-Med-7B shapes (hidden 3584, MLP 18944): matmul per weight
// format for decode (1 token) and prefill (up to 64 tokens), attention over a 4096-token bf16
// cache, and one vision frame's attention; and training's GEMMs in f32 and bf16. Bytes/s counts weight bytes, so decode figures
// compare directly with bandwidth.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "kernels/bf16_matmul.h"
#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

constexpr int64_t kHidden = 3584, kMlp = 18944;

// Copies of one matrix, together larger than the 32 MB L3: a decode reads each layer's
// weights once per token, so the benchmark must not find them in cache either.
constexpr size_t kBeyondCacheBytes = size_t{256} << 20;

struct Weights {
  std::vector<uint8_t> bytes;  // the copies, back to back
  size_t matrix_bytes = 0;
  Matrix m;                    // the first copy
};

// format: 0 bf16, then the block types. The MLP's two shapes behave differently: gate/up
// rows are short (activations stay in L1), down-projection rows are 18944 values long.
Weights Make(int format, int64_t rows, int64_t cols) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> row(cols);
  Weights w;
  const BlockType bt = format == 0 ? BlockType::kNone : static_cast<BlockType>(format);
  const size_t row_bytes = format == 0 ? cols * 2 : RowBytes(bt, cols);
  w.bytes.resize(rows * row_bytes);
  for (int64_t r = 0; r < rows; ++r) {
    for (float& v : row) v = dist(rng);
    uint8_t* dst = w.bytes.data() + r * row_bytes;
    if (format == 0)
      for (int64_t c = 0; c < cols; ++c) reinterpret_cast<uint16_t*>(dst)[c] = F32ToBF16(row[c]);
    else
      QuantizeRow(bt, row.data(), cols, dst);
  }
  w.matrix_bytes = w.bytes.size();
  const size_t copies = (kBeyondCacheBytes + w.matrix_bytes - 1) / w.matrix_bytes;
  w.bytes.resize(copies * w.matrix_bytes);
  for (size_t c = 1; c < copies; ++c) std::copy_n(w.bytes.data(), w.matrix_bytes, w.bytes.data() + c * w.matrix_bytes);
  w.m = Matrix{DType::kBF16, rows, cols, w.bytes.data(), bt};
  return w;
}

// Args: format, tokens, shape (0 gate/up [18944, 3584], 1 down [3584, 18944]).
void BM_MatMul(benchmark::State& state) {
  const bool down = state.range(2) == 1;
  const int64_t kRows = down ? kHidden : kMlp, kCols = down ? kMlp : kHidden;
  const Weights w = Make(static_cast<int>(state.range(0)), kRows, kCols);
  const int64_t n = state.range(1);
  ThreadPool pool(2);
  std::vector<float> x(n * kCols, 0.1f), y(n * kRows);
  const size_t copies = w.bytes.size() / w.matrix_bytes;
  size_t next = 0;
  for (auto _ : state) {
    Matrix m = w.m;
    m.data = w.bytes.data() + next * w.matrix_bytes;
    next = (next + 1) % copies;
    MatMul(x.data(), n, m, nullptr, y.data(), pool);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(w.matrix_bytes));
  state.counters["GOP/s"] = benchmark::Counter(2.0 * n * kRows * kCols * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(state.range(0) == 0 ? "bf16" : BlockTypeName(w.m.blocks)) + (down ? " down" : " gate/up"));
}
BENCHMARK(BM_MatMul)->ArgsProduct({{0, 1, 2, 3}, {1, 4, 8, 16, 32, 64}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();

// Training's GEMMs, square [s, s] x [s, s], one thread: 0 f32 sgemm (MatMulNN), 1 bf16 compute
// (MatMulBf16: f32 operands rounded to bf16, widened, sgemm). MACs/s.
void BM_TrainingGemm(benchmark::State& state) {
  const int path = static_cast<int>(state.range(0));
  const int64_t s = state.range(1);
  ThreadPool pool(1);
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> a(s * s), b(s * s), y(s * s);
  for (float& v : a) v = dist(rng);
  for (float& v : b) v = dist(rng);
  for (auto _ : state) {
    if (path == 0) MatMulNN(a.data(), b.data(), s, s, s, y.data(), pool);
    else MatMulBf16({a.data(), DType::kF32, s, s}, {b.data(), DType::kF32, s, s}, y.data(), false, pool);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["MAC/s"] = benchmark::Counter(static_cast<double>(s * s * s), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_TrainingGemm)->ArgsProduct({{0, 1}, {256, 1024}})->Unit(benchmark::kMillisecond)->UseRealTime();

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
