#include "kernels/bf16_matmul.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

// Columns of a packed panel of op(b): two 16-lane f32 accumulators per row.
constexpr int64_t kPanel = 32;
// Rows of op(a) per micro-kernel call: 8 rows x 2 accumulators = 16 of the 32 zmm registers.
constexpr int kRows = 8;
// Rows of op(a) per task: a panel of op(b) is reused across them while in cache.
constexpr int64_t kTaskRows = 64;

int64_t OpRows(const Bf16Operand& x) { return x.transposed ? x.cols : x.rows; }
int64_t OpCols(const Bf16Operand& x) { return x.transposed ? x.rows : x.cols; }

// Calls f with a reader of op(x): reader(r, c) is op(x)[r][c] as bf16 bits. One reader per
// storage, so packing loops have no per-element branch on it.
template <typename F>
void WithReader(const Bf16Operand& x, F&& f) {
  const int64_t ld = x.cols;
  if (x.dtype == DType::kBF16) {
    const auto* d = static_cast<const uint16_t*>(x.data);
    if (x.transposed) return f([=](int64_t r, int64_t c) { return d[c * ld + r]; });
    return f([=](int64_t r, int64_t c) { return d[r * ld + c]; });
  }
  const auto* d = static_cast<const float*>(x.data);
  if (x.transposed) return f([=](int64_t r, int64_t c) { return F32ToBF16(d[c * ld + r]); });
  f([=](int64_t r, int64_t c) { return F32ToBF16(d[r * ld + c]); });
}

// op(a) as bf16 rows of kp (k rounded up to even) values, zero-padded.
std::vector<uint16_t> PackRows(const Bf16Operand& a, int64_t kp, ThreadPool& pool) {
  const int64_t m = OpRows(a), k = OpCols(a);
  std::vector<uint16_t> out(static_cast<size_t>(m * kp), 0);
  WithReader(a, [&](auto at) {
    pool.ParallelFor(m, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = 0; c < k; ++c) out[r * kp + c] = at(r, c);
    });
  });
  return out;
}

// op(b) [k, n] in panels of kPanel columns; in a panel, row pair kk holds for each column j
// the 32-bit pair (op(b)[2kk][j], op(b)[2kk + 1][j]), the layout vdpbf16ps multiplies against
// a broadcast pair of op(a)'s row. Zero-padded to kp rows and whole panels.
std::vector<uint32_t> PackPanels(const Bf16Operand& b, int64_t kp, ThreadPool& pool) {
  const int64_t k = OpRows(b), n = OpCols(b), panels = (n + kPanel - 1) / kPanel, pairs = kp / 2;
  std::vector<uint32_t> out(static_cast<size_t>(panels * pairs * kPanel), 0);
  WithReader(b, [&](auto at) {
    pool.ParallelFor(panels, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t width = std::min(kPanel, n - p * kPanel);
        for (int64_t kk = 0; kk < pairs; ++kk) {
          uint32_t* row = out.data() + (p * pairs + kk) * kPanel;
          for (int64_t jj = 0; jj < width; ++jj) {
            const int64_t j = p * kPanel + jj;
            const uint32_t lo = at(2 * kk, j), hi = 2 * kk + 1 < k ? at(2 * kk + 1, j) : 0;
            row[jj] = lo | hi << 16;
          }
        }
      }
    });
  });
  return out;
}

#define HM_BF16_ATTR __attribute__((target("avx512f,avx512bw,avx512bf16")))

// y rows [0, R) x panel columns [0, cols) of one panel, from R packed rows of op(a) (kp apart).
template <int R>
HM_BF16_ATTR void MicroKernel(const uint16_t* a, int64_t kp, const uint32_t* panel, float* y, int64_t ldy,
                              int64_t cols, bool accumulate) {
  __m512 acc[R][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < kp / 2; ++kk) {
    const __m512i b0 = _mm512_loadu_si512(panel + kk * kPanel);
    const __m512i b1 = _mm512_loadu_si512(panel + kk * kPanel + 16);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      uint32_t pair;
      std::memcpy(&pair, a + r * kp + 2 * kk, 4);
      const __m512i av = _mm512_set1_epi32(static_cast<int>(pair));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], (__m512bh)av, (__m512bh)b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], (__m512bh)av, (__m512bh)b1);
    }
  }
  const __mmask16 m0 = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? 0xffff : cols > 16 ? static_cast<__mmask16>((1u << (cols - 16)) - 1) : 0;
  for (int r = 0; r < R; ++r) {
    float* row = y + r * ldy;
    if (accumulate) {
      acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(m0, row));
      acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, acc[r][0]);
    _mm512_mask_storeu_ps(row + 16, m1, acc[r][1]);
  }
}

using MicroFn = void (*)(const uint16_t*, int64_t, const uint32_t*, float*, int64_t, int64_t, bool);
constexpr MicroFn kMicro[kRows + 1] = {nullptr,         MicroKernel<1>, MicroKernel<2>, MicroKernel<3>, MicroKernel<4>,
                                       MicroKernel<5>, MicroKernel<6>, MicroKernel<7>, MicroKernel<8>};

void DotProductGemm(const Bf16Operand& a, const Bf16Operand& b, float* y, bool accumulate, ThreadPool& pool) {
  const int64_t m = OpRows(a), k = OpCols(a), n = OpCols(b), kp = (k + 1) / 2 * 2;
  const std::vector<uint16_t> rows = PackRows(a, kp, pool);
  const std::vector<uint32_t> panels = PackPanels(b, kp, pool);
  const int64_t n_panels = (n + kPanel - 1) / kPanel, row_tasks = (m + kTaskRows - 1) / kTaskRows;
  // Panel-major tasks: a thread's consecutive tasks share a panel of op(b).
  pool.ParallelFor(n_panels * row_tasks, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t p = t / row_tasks, r_end = std::min(m, (t % row_tasks + 1) * kTaskRows);
      const int64_t cols = std::min(kPanel, n - p * kPanel);
      const uint32_t* panel = panels.data() + p * (kp / 2) * kPanel;
      for (int64_t r = t % row_tasks * kTaskRows; r < r_end; r += kRows) {
        const int64_t count = std::min<int64_t>(kRows, r_end - r);
        kMicro[count](rows.data() + r * kp, kp, panel, y + r * n + p * kPanel, n, cols, accumulate);
      }
    }
  });
}

// The same sums through sgemm: the rounded operands widened to f32 (their products exact).
void WidenedGemm(const Bf16Operand& a, const Bf16Operand& b, float* y, bool accumulate, ThreadPool& pool) {
  const int64_t m = OpRows(a), k = OpCols(a), n = OpCols(b);
  auto widen = [&](const Bf16Operand& x) {
    const int64_t rows = OpRows(x), cols = OpCols(x);
    std::vector<float> out(static_cast<size_t>(rows * cols));
    WithReader(x, [&](auto at) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = BF16ToF32(at(r, c));
    });
    return out;
  };
  const std::vector<float> a32 = widen(a), b32 = widen(b);
  if (!accumulate) return MatMulNN(a32.data(), b32.data(), m, n, k, y, pool);
  std::vector<float> product(static_cast<size_t>(m * n));
  MatMulNN(a32.data(), b32.data(), m, n, k, product.data(), pool);
  AddInPlace(y, product.data(), m * n);
}

}  // namespace

bool UsesBf16DotProducts() {
  static const bool cpu = __builtin_cpu_supports("avx512bf16");
  return cpu && ActiveIsa().starts_with("AVX3");
}

void MatMulBf16(const Bf16Operand& a, const Bf16Operand& b, float* y, bool accumulate, ThreadPool& pool) {
  HM_CHECK(OpCols(a) == OpRows(b), "MatMulBf16: [", OpRows(a), ", ", OpCols(a), "] times [", OpRows(b), ", ",
           OpCols(b), "]");
  for (const Bf16Operand* x : {&a, &b})
    HM_CHECK(x->dtype == DType::kF32 || x->dtype == DType::kBF16, "MatMulBf16: operands are f32 or bf16");
  if (UsesBf16DotProducts()) return DotProductGemm(a, b, y, accumulate, pool);
  WidenedGemm(a, b, y, accumulate, pool);
}

}  // namespace hm::kernels
