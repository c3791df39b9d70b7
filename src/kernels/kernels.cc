// CPU backend of kernels.h. Highway compiles the SIMD bodies below once per target ISA and
// HWY_DYNAMIC_DISPATCH picks the best one the CPU supports at run time, so one binary
// runs everywhere from plain x86-64 to AVX-512.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/kernels.h"

#ifndef HM_KERNELS_KERNELS_ONCE
#define HM_KERNELS_KERNELS_ONCE
namespace hm::kernels {
// Query heads per grouped decode-attention call: at most this many share each key load
// (registers bound it).
constexpr int kMaxGroupHeads = 8;
}  // namespace hm::kernels
#endif

HWY_BEFORE_NAMESPACE();
namespace hm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using DF = hn::ScalableTag<float>;

// Weight loads widen bf16 / f16 to f32 in registers; memory traffic stays at the stored width.
HWY_INLINE hn::Vec<DF> LoadWeight(DF d, const float* p) { return hn::LoadU(d, p); }
HWY_INLINE hn::Vec<DF> LoadWeight(DF d, const hwy::bfloat16_t* p) {
  const hn::RebindToUnsigned<DF> du32;
  const hn::Rebind<uint16_t, DF> du16;
  const auto bits = hn::LoadU(du16, reinterpret_cast<const uint16_t*>(p));
  return hn::BitCast(d, hn::ShiftLeft<16>(hn::PromoteTo(du32, bits)));
}
HWY_INLINE hn::Vec<DF> LoadWeight(DF d, const hwy::float16_t* p) {
  const hn::Rebind<hwy::float16_t, DF> df16;
  return hn::PromoteTo(d, hn::LoadU(df16, p));
}
HWY_INLINE float WeightToF32(float w) { return w; }
HWY_INLINE float WeightToF32(hwy::bfloat16_t w) { return hwy::F32FromBF16(w); }
HWY_INLINE float WeightToF32(hwy::float16_t w) {
  uint16_t bits;
  hwy::CopySameSize(&w, &bits);
  return F16ToF32(bits);
}

HWY_INLINE float Sum(DF d, hn::Vec<DF> v) { return hn::GetLane(hn::SumOfLanes(d, v)); }

// Rows [r0, r1) of y = x w^T. Four tokens share each weight load, which is what makes
// small prefills cheaper than four decodes; a single token keeps two accumulators to hide
// FMA latency.
template <typename W>
void MatMulRowsT(const float* x, int64_t n, const W* w, int64_t rows, int64_t cols,
                 const float* bias, float* y, int64_t r0, int64_t r1) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t cv = cols - cols % N;
  for (int64_t r = r0; r < r1; ++r) {
    const W* wr = w + r * cols;
    const float b = bias ? bias[r] : 0.0f;
    int64_t t = 0;
    for (; t + 4 <= n; t += 4) {
      const float* x0 = x + t * cols;
      const float* x1 = x0 + cols;
      const float* x2 = x1 + cols;
      const float* x3 = x2 + cols;
      auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
      for (int64_t c = 0; c < cv; c += N) {
        const auto wv = LoadWeight(d, wr + c);
        a0 = hn::MulAdd(hn::LoadU(d, x0 + c), wv, a0);
        a1 = hn::MulAdd(hn::LoadU(d, x1 + c), wv, a1);
        a2 = hn::MulAdd(hn::LoadU(d, x2 + c), wv, a2);
        a3 = hn::MulAdd(hn::LoadU(d, x3 + c), wv, a3);
      }
      float s0 = Sum(d, a0), s1 = Sum(d, a1), s2 = Sum(d, a2), s3 = Sum(d, a3);
      for (int64_t c = cv; c < cols; ++c) {
        const float wc = WeightToF32(wr[c]);
        s0 += x0[c] * wc;
        s1 += x1[c] * wc;
        s2 += x2[c] * wc;
        s3 += x3[c] * wc;
      }
      y[(t + 0) * rows + r] = s0 + b;
      y[(t + 1) * rows + r] = s1 + b;
      y[(t + 2) * rows + r] = s2 + b;
      y[(t + 3) * rows + r] = s3 + b;
    }
    for (; t < n; ++t) {
      const float* xt = x + t * cols;
      auto a0 = hn::Zero(d), a1 = hn::Zero(d);
      int64_t c = 0;
      for (; c + 2 * N <= cv; c += 2 * N) {
        a0 = hn::MulAdd(hn::LoadU(d, xt + c), LoadWeight(d, wr + c), a0);
        a1 = hn::MulAdd(hn::LoadU(d, xt + c + N), LoadWeight(d, wr + c + N), a1);
      }
      for (; c < cv; c += N) a0 = hn::MulAdd(hn::LoadU(d, xt + c), LoadWeight(d, wr + c), a0);
      float s = Sum(d, hn::Add(a0, a1));
      for (c = cv; c < cols; ++c) s += xt[c] * WeightToF32(wr[c]);
      y[t * rows + r] = s + b;
    }
  }
}

void MatMulRows(const float* x, int64_t n, const Matrix& w, const float* bias, float* y,
                int64_t r0, int64_t r1) {
  switch (w.dtype) {
    case DType::kBF16:
      return MatMulRowsT(x, n, static_cast<const hwy::bfloat16_t*>(w.data), w.rows, w.cols, bias,
                         y, r0, r1);
    case DType::kF16:
      return MatMulRowsT(x, n, static_cast<const hwy::float16_t*>(w.data), w.rows, w.cols, bias,
                         y, r0, r1);
    default:
      return MatMulRowsT(x, n, static_cast<const float*>(w.data), w.rows, w.cols, bias, y, r0, r1);
  }
}

// Keys and values in the cache's storage type, widened to f32 in registers.
HWY_INLINE hn::Vec<DF> LoadKv(DF d, const int8_t* p) {
  const hn::Rebind<int32_t, DF> di32;
  const hn::Rebind<int8_t, DF> di8;
  return hn::ConvertTo(d, hn::PromoteTo(di32, hn::LoadU(di8, p)));
}
HWY_INLINE hn::Vec<DF> LoadKv(DF d, const float* p) { return hn::LoadU(d, p); }
HWY_INLINE hn::Vec<DF> LoadKv(DF d, const hwy::bfloat16_t* p) { return LoadWeight(d, p); }
HWY_INLINE float KvToF32(int8_t x) { return x; }
HWY_INLINE float KvToF32(float x) { return x; }
HWY_INLINE float KvToF32(hwy::bfloat16_t x) { return hwy::F32FromBF16(x); }

// x[i] = exp(x[i] - max), returns the sum.
float ExpShiftSum(float* x, int64_t n, float max) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const auto vmax = hn::Set(d, max);
  auto acc = hn::Zero(d);
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, x + i), vmax));
    hn::StoreU(e, d, x + i);
    acc = hn::Add(acc, e);
  }
  float s = Sum(d, acc);
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    s += x[i];
  }
  return s;
}

// G query heads that share one kv head (GQA) against keys [0, n_keys): streaming softmax
// over blocks of keys, so memory is O(block) whatever the sequence length. Each key and value
// row is read once for all G heads: one head at a time re-read the whole cache G times (7 for
// Hulu-Med-7B), which made long-context decode attention memory-bound at a fraction of
// bandwidth. Outputs stay in registers across a block of keys, two vectors of head_dim at a
// time; dims past the last whole pair of vectors (none for real head sizes) go scalar.
// q and out hold the G heads head_dim apart; k, v point at the kv head's first position, ks,
// vs at its first int8 scale (null for f32 / bf16), scale_stride apart per position.
template <typename T, int G>
void AttendGroupT(const float* q, const T* k, const T* v, const float* ks, const float* vs, int64_t n_keys,
                  int64_t stride, int64_t scale_stride, int head_dim, float scale, float* out) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  constexpr int64_t kBlock = 64;
  float scores[G][kBlock];
  float running_max[G], running_sum[G];
  for (int h = 0; h < G; ++h) {
    running_max[h] = -std::numeric_limits<float>::infinity();
    running_sum[h] = 0.0f;
  }
  std::fill(out, out + G * head_dim, 0.0f);
  for (int64_t j0 = 0; j0 < n_keys; j0 += kBlock) {
    const int64_t nb = std::min(kBlock, n_keys - j0);
    for (int64_t j = 0; j < nb; ++j) {
      const T* kj = k + (j0 + j) * stride;
      hn::Vec<DF> acc[G];
      for (int h = 0; h < G; ++h) acc[h] = hn::Zero(d);
      int64_t c = 0;
      for (; c + N <= head_dim; c += N) {
        const auto kv = LoadKv(d, kj + c);
        for (int h = 0; h < G; ++h) acc[h] = hn::MulAdd(hn::LoadU(d, q + h * head_dim + c), kv, acc[h]);
      }
      const float kscale = scale * (ks ? ks[(j0 + j) * scale_stride] : 1.0f);
      for (int h = 0; h < G; ++h) scores[h][j] = Sum(d, acc[h]) * kscale;
      for (int h = 0; h < G && c < head_dim; ++h)
        for (int64_t t = c; t < head_dim; ++t) scores[h][j] += q[h * head_dim + t] * KvToF32(kj[t]) * kscale;
    }
    for (int h = 0; h < G; ++h) {
      float block_max = scores[h][0];
      for (int64_t j = 1; j < nb; ++j) block_max = std::max(block_max, scores[h][j]);
      const float new_max = std::max(running_max[h], block_max);
      const float correction = std::exp(running_max[h] - new_max);  // 0 on the first block
      running_sum[h] = running_sum[h] * correction + ExpShiftSum(scores[h], nb, new_max);
      running_max[h] = new_max;
      if (correction != 1.0f)
        for (int64_t c = 0; c < head_dim; ++c) out[h * head_dim + c] *= correction;
      if (vs)
        for (int64_t j = 0; j < nb; ++j) scores[h][j] *= vs[(j0 + j) * scale_stride];
    }
    int64_t c = 0;
    for (; c + 2 * N <= head_dim; c += 2 * N) {
      hn::Vec<DF> o0[G], o1[G];
      for (int h = 0; h < G; ++h) {
        o0[h] = hn::LoadU(d, out + h * head_dim + c);
        o1[h] = hn::LoadU(d, out + h * head_dim + c + N);
      }
      for (int64_t j = 0; j < nb; ++j) {
        const T* vj = v + (j0 + j) * stride + c;
        const auto v0 = LoadKv(d, vj), v1 = LoadKv(d, vj + N);
        for (int h = 0; h < G; ++h) {
          const auto p = hn::Set(d, scores[h][j]);
          o0[h] = hn::MulAdd(p, v0, o0[h]);
          o1[h] = hn::MulAdd(p, v1, o1[h]);
        }
      }
      for (int h = 0; h < G; ++h) {
        hn::StoreU(o0[h], d, out + h * head_dim + c);
        hn::StoreU(o1[h], d, out + h * head_dim + c + N);
      }
    }
    for (int64_t j = 0; j < nb && c < head_dim; ++j) {
      const T* vj = v + (j0 + j) * stride;
      for (int h = 0; h < G; ++h)
        for (int64_t t = c; t < head_dim; ++t) out[h * head_dim + t] += scores[h][j] * KvToF32(vj[t]);
    }
  }
  for (int h = 0; h < G; ++h) {
    const float inv = 1.0f / running_sum[h];
    for (int64_t c = 0; c < head_dim; ++c) out[h * head_dim + c] *= inv;
  }
}

template <typename T>
void AttendGroupOf(int g, const float* q, const T* k, const T* v, const float* ks, const float* vs, int64_t n_keys,
                   int64_t stride, int64_t scale_stride, int head_dim, float scale, float* out) {
  using Fn = void (*)(const float*, const T*, const T*, const float*, const float*, int64_t, int64_t, int64_t, int,
                      float, float*);
  static constexpr Fn kFns[kMaxGroupHeads] = {AttendGroupT<T, 1>, AttendGroupT<T, 2>, AttendGroupT<T, 3>,
                                              AttendGroupT<T, 4>, AttendGroupT<T, 5>, AttendGroupT<T, 6>,
                                              AttendGroupT<T, 7>, AttendGroupT<T, 8>};
  kFns[g - 1](q, k, v, ks, vs, n_keys, stride, scale_stride, head_dim, scale, out);
}

// Query heads [h0, h0 + g) of one query, all of kv head `kvh` (g <= kMaxGroupHeads).
void AttendGroup(const float* q, int g, const KvView& kv, int kvh, int n_kv_heads, int64_t n_keys, int head_dim,
                 float scale, float* out) {
  const int64_t head_off = int64_t{kvh} * head_dim;
  switch (kv.type) {
    case KvType::kBF16:
      return AttendGroupOf(g, q, static_cast<const hwy::bfloat16_t*>(kv.k) + head_off,
                           static_cast<const hwy::bfloat16_t*>(kv.v) + head_off, nullptr, nullptr, n_keys, kv.stride,
                           0, head_dim, scale, out);
    case KvType::kQ8:
      return AttendGroupOf(g, q, static_cast<const int8_t*>(kv.k) + head_off,
                           static_cast<const int8_t*>(kv.v) + head_off, kv.k_scale + kvh, kv.v_scale + kvh, n_keys,
                           kv.stride, n_kv_heads, head_dim, scale, out);
    default:
      return AttendGroupOf(g, q, static_cast<const float*>(kv.k) + head_off,
                           static_cast<const float*>(kv.v) + head_off, nullptr, nullptr, n_keys, kv.stride, 0,
                           head_dim, scale, out);
  }
}

// max(x[0..n)), n >= 1.
float RowMax(const float* x, int64_t n) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  float m = x[0];
  int64_t i = 0;
  if (n >= N) {
    auto acc = hn::LoadU(d, x);
    for (i = N; i + N <= n; i += N) acc = hn::Max(acc, hn::LoadU(d, x + i));
    m = hn::GetLane(hn::MaxOfLanes(d, acc));
  }
  for (; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

// x[i] = f(x[i], y[i]) lane by lane (y may be null: f sees zeros). The tail goes through one
// zero-padded vector, so every element takes the same instructions whatever n is.
template <class F>
HWY_INLINE void Transform(float* x, const float* y, int64_t n, F f) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N)
    hn::StoreU(f(d, hn::LoadU(d, x + i), y ? hn::LoadU(d, y + i) : hn::Zero(d)), d, x + i);
  if (i == n) return;
  HWY_ALIGN float bx[hn::MaxLanes(DF())] = {}, by[hn::MaxLanes(DF())] = {};
  std::copy(x + i, x + n, bx);
  if (y) std::copy(y + i, y + n, by);
  hn::Store(f(d, hn::Load(d, bx), hn::Load(d, by)), d, bx);
  std::copy(bx, bx + (n - i), x + i);
}

void SiluMulRange(float* gate, const float* up, int64_t n) {
  Transform(gate, up, n, [](DF d, hn::Vec<DF> g, hn::Vec<DF> u) HWY_ATTR {
    // exp is only valid up to ~88 in f32; past that silu(g) is 0 to float precision anyway.
    const auto e = hn::Exp(d, hn::Min(hn::Neg(g), hn::Set(d, 88.0f)));
    return hn::Mul(hn::Div(g, hn::Add(hn::Set(d, 1.0f), e)), u);
  });
}

void GeluTanhRange(float* x, int64_t n) {
  Transform(x, nullptr, n, [](DF d, hn::Vec<DF> v, hn::Vec<DF>) HWY_ATTR {
    const auto v3 = hn::Mul(hn::Mul(v, v), v);
    const auto inner = hn::Mul(hn::Set(d, 0.7978845608028654f), hn::MulAdd(hn::Set(d, 0.044715f), v3, v));
    return hn::Mul(hn::Mul(hn::Set(d, 0.5f), v), hn::Add(hn::Set(d, 1.0f), hn::Tanh(d, inner)));
  });
}

int64_t CompiledTarget() { return HWY_TARGET; }

// Register-resident FMAs: eight independent chains cover the FMA latency. Returns a sum so
// the work cannot be optimised away.
float FmaLoop(int64_t iterations) {
  const DF d;
  auto a0 = hn::Set(d, 1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const auto m = hn::Set(d, 0.999999f), c = hn::Set(d, 1e-7f);
  for (int64_t i = 0; i < iterations; ++i) {
    a0 = hn::MulAdd(a0, m, c), a1 = hn::MulAdd(a1, m, c), a2 = hn::MulAdd(a2, m, c), a3 = hn::MulAdd(a3, m, c);
    a4 = hn::MulAdd(a4, m, c), a5 = hn::MulAdd(a5, m, c), a6 = hn::MulAdd(a6, m, c), a7 = hn::MulAdd(a7, m, c);
  }
  return Sum(d, hn::Add(hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)), hn::Add(hn::Add(a4, a5), hn::Add(a6, a7))));
}
int64_t FmaLanes() { return static_cast<int64_t>(hn::Lanes(DF())); }

// Streaming read of n floats.
float SumStream(const float* x, int64_t n) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = hn::Add(a0, hn::LoadU(d, x + i));
    a1 = hn::Add(a1, hn::LoadU(d, x + i + N));
    a2 = hn::Add(a2, hn::LoadU(d, x + i + 2 * N));
    a3 = hn::Add(a3, hn::LoadU(d, x + i + 3 * N));
  }
  float s = Sum(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

}  // namespace HWY_NAMESPACE
}  // namespace hm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cblas.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "kernels/quant_matmul.h"

namespace hm::kernels {

HWY_EXPORT(MatMulRows);
HWY_EXPORT(AttendGroup);
HWY_EXPORT(CompiledTarget);
HWY_EXPORT(FmaLoop);
HWY_EXPORT(FmaLanes);
HWY_EXPORT(SumStream);
HWY_EXPORT(SiluMulRange);
HWY_EXPORT(ExpShiftSum);
HWY_EXPORT(RowMax);
HWY_EXPORT(GeluTanhRange);

namespace {

// Below this many tokens the fused SIMD loop wins: BLAS would first need the weight tile
// widened to f32, which costs as much as the multiply.
constexpr int64_t kBlasMinTokens = 32;
constexpr int64_t kBlasTileRows = 64;

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    openblas_set_num_threads(1);  // our pool owns the cores; nested BLAS threads would fight it
    if (const char* isa = std::getenv("HULUMED_ISA")) ForceIsa(isa);
  });
}

// Large-n path: widen a tile of weight rows to f32 and let BLAS do the blocked GEMM.
void MatMulBlas(const float* x, int64_t n, const Matrix& w, const float* bias, float* y,
                ThreadPool& pool) {
  const int64_t tiles = (w.rows + kBlasTileRows - 1) / kBlasTileRows;
  pool.ParallelFor(tiles, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> tile;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r0 = t * kBlasTileRows;
      const int64_t nr = std::min(kBlasTileRows, w.rows - r0);
      const float* wt;
      if (w.dtype == DType::kF32) {
        wt = static_cast<const float*>(w.data) + r0 * w.cols;
      } else {
        tile.resize(static_cast<size_t>(nr * w.cols));
        for (int64_t r = 0; r < nr; ++r) RowToF32(w, r0 + r, tile.data() + r * w.cols);
        wt = tile.data();
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(n),
                  static_cast<blasint>(nr), static_cast<blasint>(w.cols), 1.0f, x,
                  static_cast<blasint>(w.cols), wt, static_cast<blasint>(w.cols), 0.0f, y + r0,
                  static_cast<blasint>(w.rows));
      if (bias)
        for (int64_t i = 0; i < n; ++i)
          for (int64_t r = 0; r < nr; ++r) y[i * w.rows + r0 + r] += bias[r0 + r];
    }
  });
}

}  // namespace

void MatMul(const float* x, int64_t n, const Matrix& w, const float* bias, float* y,
            ThreadPool& pool) {
  InitOnce();
  if (w.blocks != BlockType::kNone) return QuantMatMul(x, n, w, bias, y, pool);
  if (n >= kBlasMinTokens) return MatMulBlas(x, n, w, bias, y, pool);
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, w.cols));
  pool.ParallelFor(w.rows, grain, [&](int64_t r0, int64_t r1) {
    HWY_DYNAMIC_DISPATCH(MatMulRows)(x, n, w, bias, y, r0, r1);
  });
}

namespace {

// y[m, n] (beta: 0 set, 1 add) = op(a) b, op(a) = a [m, k] or aᵀ with a [k, m]; rows of y in
// blocks over the pool.
void GemmRows(bool trans_a, const float* a, const float* b, int64_t m, int64_t n, int64_t k, float beta, float* y,
              ThreadPool& pool) {
  InitOnce();
  constexpr int64_t kRows = 64;
  pool.ParallelFor((m + kRows - 1) / kRows, 1, [&](int64_t t0, int64_t t1) {
    const int64_t r0 = t0 * kRows, rows = std::min(m, t1 * kRows) - r0;
    const float* a0 = trans_a ? a + r0 : a + r0 * k;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, static_cast<blasint>(rows),
                static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a0, static_cast<blasint>(trans_a ? m : k), b,
                static_cast<blasint>(n), beta, y + r0 * n, static_cast<blasint>(n));
  });
}

}  // namespace

void MatMulNN(const float* a, const float* b, int64_t m, int64_t n, int64_t k, float* y, ThreadPool& pool) {
  GemmRows(false, a, b, m, n, k, 0.0f, y, pool);
}

void MatMulTN(const float* a, const float* b, int64_t m, int64_t n, int64_t k, float* y, ThreadPool& pool) {
  GemmRows(true, a, b, m, n, k, 1.0f, y, pool);
}

void RowToF32(const Matrix& w, int64_t row, float* out) {
  const int64_t c = w.cols;
  if (w.blocks != BlockType::kNone)
    return DequantizeRow(w.blocks, static_cast<const uint8_t*>(w.data) + row * RowBytes(w.blocks, c), c, out);
  switch (w.dtype) {
    case DType::kBF16: {
      const uint16_t* p = static_cast<const uint16_t*>(w.data) + row * c;
      for (int64_t i = 0; i < c; ++i) out[i] = BF16ToF32(p[i]);
      break;
    }
    case DType::kF16: {
      const uint16_t* p = static_cast<const uint16_t*>(w.data) + row * c;
      for (int64_t i = 0; i < c; ++i) out[i] = F16ToF32(p[i]);
      break;
    }
    default: {
      const float* p = static_cast<const float*>(w.data) + row * c;
      std::copy(p, p + c, out);
    }
  }
}

void RmsNorm(const float* x, const float* weight, float eps, int64_t n, int64_t dim, float* y) {
  for (int64_t t = 0; t < n; ++t) {
    const float* xt = x + t * dim;
    float* yt = y + t * dim;
    float ss = 0.0f;
    for (int64_t i = 0; i < dim; ++i) ss += xt[i] * xt[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i) yt[i] = weight[i] * (xt[i] * inv);
  }
}

void LayerNorm(const float* x, const float* weight, const float* bias, float eps, int64_t n,
               int64_t dim, float* y) {
  for (int64_t t = 0; t < n; ++t) {
    const float* xt = x + t * dim;
    float* yt = y + t * dim;
    float mean = 0.0f;
    for (int64_t i = 0; i < dim; ++i) mean += xt[i];
    mean /= static_cast<float>(dim);
    float var = 0.0f;
    for (int64_t i = 0; i < dim; ++i) var += (xt[i] - mean) * (xt[i] - mean);
    const float inv = 1.0f / std::sqrt(var / static_cast<float>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i) yt[i] = (xt[i] - mean) * inv * weight[i] + bias[i];
  }
}

void RopeRotateHalf(float* x, int n_heads, int head_dim, const float* cos, const float* sin) {
  const int half = head_dim / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* xh = x + h * head_dim;
    for (int i = 0; i < half; ++i) {
      const float a = xh[i], b = xh[i + half];
      xh[i] = a * cos[i] - b * sin[i];
      xh[i + half] = b * cos[i + half] + a * sin[i + half];
    }
  }
}

namespace {

// Long sequences (vision frames, prefill): a block of queries against a block of keys is one
// sgemm, the softmax streams over key blocks (running max and sum per query, earlier output
// rescaled), and P V is a second sgemm. Memory stays O(block^2) whatever the length.
constexpr int64_t kAttnBlockQ = 128, kAttnBlockK = 512;
constexpr int64_t kAttnBlasMinQueries = 16;

// Positions [j0, j0 + nb) of kv head `kvh` as f32 rows `*ld` apart: f32 storage is used in
// place, bf16 and int8 are widened into buf.
const float* KvRowsF32(const KvView& kv, bool keys, int n_kv_heads, int kvh, int hd, int64_t j0, int64_t nb,
                       std::vector<float>& buf, int64_t* ld) {
  const int64_t off = j0 * kv.stride + int64_t{kvh} * hd;
  if (kv.type == KvType::kF32) {
    *ld = kv.stride;
    return static_cast<const float*>(keys ? kv.k : kv.v) + off;
  }
  *ld = hd;
  buf.resize(static_cast<size_t>(nb * hd));
  for (int64_t r = 0; r < nb; ++r) {
    float* dst = buf.data() + r * hd;
    if (kv.type == KvType::kBF16) {
      const uint16_t* src = static_cast<const uint16_t*>(keys ? kv.k : kv.v) + off + r * kv.stride;
      for (int c = 0; c < hd; ++c) dst[c] = BF16ToF32(src[c]);
    } else {
      const int8_t* src = static_cast<const int8_t*>(keys ? kv.k : kv.v) + off + r * kv.stride;
      const float sc = (keys ? kv.k_scale : kv.v_scale)[(j0 + r) * n_kv_heads + kvh];
      for (int c = 0; c < hd; ++c) dst[c] = src[c] * sc;
    }
  }
  return buf.data();
}

// Queries [i0, i0 + nq) of head h.
void AttendBlock(const float* q, int64_t i0, int64_t nq, int h, const KvView& kv, int64_t n_kv,
                 const AttentionShape& s, float scale, float* out) {
  const int hd = s.head_dim, kvh = h / (s.n_heads / s.n_kv_heads);
  const int64_t ldq = int64_t{s.n_heads} * hd;
  const float* qb = q + (i0 * s.n_heads + h) * hd;
  const int64_t last = s.causal ? std::min(n_kv, s.causal_offset + i0 + nq) : n_kv;
  std::vector<float> scores(static_cast<size_t>(nq * kAttnBlockK)), o(static_cast<size_t>(nq * hd), 0.0f);
  std::vector<float> row_max(static_cast<size_t>(nq), -std::numeric_limits<float>::infinity());
  std::vector<float> row_sum(static_cast<size_t>(nq), 0.0f), kbuf, vbuf;
  for (int64_t j0 = 0; j0 < last; j0 += kAttnBlockK) {
    const int64_t nb = std::min(kAttnBlockK, last - j0);
    int64_t ldk, ldv;
    const float* kb = KvRowsF32(kv, true, s.n_kv_heads, kvh, hd, j0, nb, kbuf, &ldk);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(nq), static_cast<blasint>(nb), hd,
                scale, qb, static_cast<blasint>(ldq), kb, static_cast<blasint>(ldk), 0.0f, scores.data(),
                static_cast<blasint>(nb));
    for (int64_t r = 0; r < nq; ++r) {
      float* row = scores.data() + r * nb;
      const int64_t visible = s.causal ? std::clamp<int64_t>(s.causal_offset + i0 + r + 1 - j0, 0, nb) : nb;
      if (visible > 0) {
        const float new_max = std::max(row_max[r], HWY_DYNAMIC_DISPATCH(RowMax)(row, visible));
        const float correction = std::exp(row_max[r] - new_max);  // 0 on the first block
        row_sum[r] = row_sum[r] * correction + HWY_DYNAMIC_DISPATCH(ExpShiftSum)(row, visible, new_max);
        for (int c = 0; c < hd; ++c) o[r * hd + c] *= correction;
        row_max[r] = new_max;
      }
      std::fill(row + visible, row + nb, 0.0f);  // keys after this query's position
    }
    const float* vb = KvRowsF32(kv, false, s.n_kv_heads, kvh, hd, j0, nb, vbuf, &ldv);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(nq), hd, static_cast<blasint>(nb),
                1.0f, scores.data(), static_cast<blasint>(nb), vb, static_cast<blasint>(ldv), 1.0f, o.data(), hd);
  }
  for (int64_t r = 0; r < nq; ++r) {
    const float inv = 1.0f / row_sum[r];
    float* dst = out + ((i0 + r) * s.n_heads + h) * hd;
    for (int c = 0; c < hd; ++c) dst[c] = o[r * hd + c] * inv;
  }
}

}  // namespace

void Attention(const float* q, int64_t n_q, const KvView& kv, int64_t n_kv, const AttentionShape& s,
               float* out, ThreadPool& pool) {
  InitOnce();
  HM_CHECK(s.n_kv_heads > 0 && s.n_heads % s.n_kv_heads == 0, "attention: ", s.n_heads,
           " heads are not a multiple of ", s.n_kv_heads, " kv heads");
  const int group = s.n_heads / s.n_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  if (n_q >= kAttnBlasMinQueries) {
    const int64_t q_blocks = (n_q + kAttnBlockQ - 1) / kAttnBlockQ;
    pool.ParallelFor(q_blocks * s.n_heads, 1, [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const int64_t i0 = task / s.n_heads * kAttnBlockQ;
        AttendBlock(q, i0, std::min(kAttnBlockQ, n_q - i0), static_cast<int>(task % s.n_heads), kv, n_kv, s, scale,
                    out);
      }
    });
    return;
  }
  // Few queries (decode): a task is up to kMaxGroupHeads query heads of one kv head.
  const int chunks = (group + kMaxGroupHeads - 1) / kMaxGroupHeads;
  const int per_chunk = (group + chunks - 1) / chunks;
  pool.ParallelFor(n_q * s.n_kv_heads * chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t i = task / (s.n_kv_heads * chunks);
      const int kvh = static_cast<int>(task / chunks % s.n_kv_heads);
      const int h0 = kvh * group + static_cast<int>(task % chunks) * per_chunk;
      const int g = std::min(per_chunk, (kvh + 1) * group - h0);
      const int64_t n_keys = s.causal ? std::min(n_kv, s.causal_offset + i + 1) : n_kv;
      const int64_t q_off = (i * s.n_heads + h0) * s.head_dim;
      HWY_DYNAMIC_DISPATCH(AttendGroup)(q + q_off, g, kv, kvh, s.n_kv_heads, n_keys, s.head_dim, scale, out + q_off);
    }
  });
}

void Attention(const float* q, int64_t n_q, const float* k, const float* v, int64_t n_kv,
               int64_t kv_stride, const AttentionShape& s, float* out, ThreadPool& pool) {
  Attention(q, n_q, KvView{KvType::kF32, k, v, kv_stride}, n_kv, s, out, pool);
}

void StoreKv(KvType type, const float* x, int64_t n, int64_t row, int head_dim, void* dst, float* scales) {
  switch (type) {
    case KvType::kF32:
      std::copy(x, x + n * row, static_cast<float*>(dst));
      break;
    case KvType::kBF16: {
      uint16_t* o = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n * row; ++i) o[i] = F32ToBF16(x[i]);
      break;
    }
    case KvType::kQ8: {
      int8_t* o = static_cast<int8_t*>(dst);
      for (int64_t h = 0; h < n * row / head_dim; ++h) {
        const float* xh = x + h * head_dim;
        float amax = 0.0f;
        for (int i = 0; i < head_dim; ++i) amax = std::max(amax, std::fabs(xh[i]));
        const float sc = amax / 127.0f, inv = sc > 0.0f ? 1.0f / sc : 0.0f;
        for (int i = 0; i < head_dim; ++i) o[h * head_dim + i] = static_cast<int8_t>(std::lround(xh[i] * inv));
        scales[h] = sc;
      }
      break;
    }
  }
}

// Elementwise work big enough to split: the vision MLP has 4.4M values per layer per frame.
constexpr int64_t kElementwiseGrain = 1 << 14;

void SiluMul(float* gate, const float* up, int64_t n, ThreadPool& pool) {
  pool.ParallelFor(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    HWY_DYNAMIC_DISPATCH(SiluMulRange)(gate + b, up + b, e - b);
  });
}

void GeluTanh(float* x, int64_t n, ThreadPool& pool) {
  pool.ParallelFor(n, kElementwiseGrain, [&](int64_t b, int64_t e) { HWY_DYNAMIC_DISPATCH(GeluTanhRange)(x + b, e - b); });
}

void GeluErf(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.7071067811865476f));
}

void AddInPlace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

double StreamReadGbs(const float* buf, int64_t n, ThreadPool& pool) {
  InitOnce();
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<float> sink{0};
  const int64_t per = (n + pool.size() - 1) / pool.size();
  pool.ParallelFor(pool.size(), 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t lo = i * per, len = std::min(per, n - lo);
      sink = sink + HWY_DYNAMIC_DISPATCH(SumStream)(buf + lo, len);
    }
  });
  return n * 4.0 / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 1e9;
}

MachinePeaks MeasureMachine(ThreadPool& pool) {
  InitOnce();
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  MachinePeaks p;
  // Bandwidth: 1 GiB, far beyond any cache, read once to fault it in, then timed (best of 3).
  const std::vector<float> buf(size_t{1} << 28, 1.0f);
  for (int rep = 0; rep < 4; ++rep) {
    const double gbs = StreamReadGbs(buf.data(), static_cast<int64_t>(buf.size()), pool);
    if (rep > 0) p.bandwidth_gbs = std::max(p.bandwidth_gbs, gbs);
  }
  std::atomic<float> sink{0};
  const int64_t iters = 20'000'000;
  const auto t1 = Clock::now();
  pool.ParallelFor(pool.size(), 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) sink = sink + HWY_DYNAMIC_DISPATCH(FmaLoop)(iters);
  });
  p.f32_gflops = 2.0 * 8 * HWY_DYNAMIC_DISPATCH(FmaLanes)() * iters * pool.size() / seconds_since(t1) / 1e9;
  p.int8_gops = Int8PeakGops(pool);
  return p;
}

std::string ActiveIsa() {
  InitOnce();
  return hwy::TargetName(HWY_DYNAMIC_DISPATCH(CompiledTarget)());
}

void ForceIsa(const std::string& name) {
  struct Level {
    const char* name;
    int64_t target;
  };
  static constexpr Level kLevels[] = {
      {"scalar", HWY_SCALAR | HWY_EMU128}, {"sse4", HWY_SSE4}, {"avx2", HWY_AVX2}, {"avx512", HWY_AVX3},
      {"avx512vnni", HWY_AVX3_DL}};
  if (name == "best" || name.empty()) {
    hwy::SetSupportedTargetsForTest(0);
    return;
  }
  for (const Level& level : kLevels) {
    if (name != level.name) continue;
    hwy::SetSupportedTargetsForTest(0);
    const int64_t usable = hwy::SupportedTargets() & HWY_TARGETS & level.target;
    HM_CHECK(usable != 0, "ISA '", name, "' is not supported by this CPU or build");
    hwy::SetSupportedTargetsForTest(usable);
    return;
  }
  Fail("unknown ISA '", name, "' (expected scalar, sse4, avx2, avx512, avx512vnni or best)");
}

}  // namespace hm::kernels
#endif  // HWY_ONCE
