// Every SIMD level the CPU has is checked against the scalar (EMU128) path and against a
// plain double-precision reference written here.
#include "kernels/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"

namespace hm::kernels {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<std::string> AvailableIsas() {
  std::vector<std::string> out;
  for (const char* isa : {"scalar", "sse4", "avx2", "avx512", "avx512vnni"}) {
    try {
      ForceIsa(isa);
      out.push_back(isa);
    } catch (const Error&) {
    }
  }
  ForceIsa("best");
  return out;
}

class KernelsOnEachIsa : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ForceIsa(GetParam()); }
  void TearDown() override { ForceIsa("best"); }
};

// Reference in double: y = x w^T + b.
std::vector<float> RefMatMul(const std::vector<float>& x, int64_t n, const std::vector<float>& w,
                             int64_t rows, int64_t cols, const float* bias) {
  std::vector<float> y(static_cast<size_t>(n * rows));
  for (int64_t t = 0; t < n; ++t)
    for (int64_t r = 0; r < rows; ++r) {
      double s = bias ? bias[r] : 0.0;
      for (int64_t c = 0; c < cols; ++c) s += double(x[t * cols + c]) * w[r * cols + c];
      y[t * rows + r] = static_cast<float>(s);
    }
  return y;
}

TEST_P(KernelsOnEachIsa, MatMulAllDtypesAndTails) {
  ThreadPool pool(2);
  for (int64_t cols : {1, 7, 16, 37, 588}) {
    for (int64_t n : {1, 3, 4, 9, 40}) {  // 40 takes the BLAS path
      const int64_t rows = 19;
      auto x = Random(n * cols, 1);
      auto w = Random(rows * cols, 2);
      auto bias = Random(rows, 3);
      for (DType dt : {DType::kF32, DType::kBF16, DType::kF16}) {
        std::vector<uint16_t> half(w.size());
        std::vector<float> wq(w.size());  // the weights as the kernel sees them
        for (size_t i = 0; i < w.size(); ++i) {
          half[i] = dt == DType::kBF16 ? F32ToBF16(w[i]) : F32ToF16(w[i]);
          wq[i] = dt == DType::kF32 ? w[i] : dt == DType::kBF16 ? BF16ToF32(half[i]) : F16ToF32(half[i]);
        }
        Matrix m{dt, rows, cols, dt == DType::kF32 ? static_cast<const void*>(w.data()) : half.data()};
        std::vector<float> y(static_cast<size_t>(n * rows));
        MatMul(x.data(), n, m, bias.data(), y.data(), pool);
        auto ref = RefMatMul(x, n, wq, rows, cols, bias.data());
        for (size_t i = 0; i < y.size(); ++i)
          ASSERT_NEAR(y[i], ref[i], 1e-4 * std::sqrt(double(cols)))
              << "cols " << cols << " n " << n << " dtype " << DTypeName(dt) << " i " << i;
      }
    }
  }
}

// The backward products: y = a b and y += aᵀ b against double sums, on one thread and split
// over two (rows of y in blocks of 64, so 150 rows leave a short last block).
TEST(MatMulTest, BackwardProductsMatchDoubleSums) {
  const int64_t m = 150, n = 37, k = 70;
  const auto a = Random(m * k, 7), b = Random(k * n, 8), at = Random(k * m, 9), y0 = Random(m * n, 10);
  std::vector<double> nn(m * n, 0.0), tn(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      tn[i * n + j] = y0[i * n + j];
      for (int64_t c = 0; c < k; ++c) {
        nn[i * n + j] += double(a[i * k + c]) * b[c * n + j];
        tn[i * n + j] += double(at[c * m + i]) * b[c * n + j];
      }
    }
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    std::vector<float> y(m * n, 5.0f), acc = y0;
    MatMulNN(a.data(), b.data(), m, n, k, y.data(), pool);
    MatMulTN(at.data(), b.data(), m, n, k, acc.data(), pool);
    for (int64_t i = 0; i < m * n; ++i) {
      ASSERT_NEAR(y[i], nn[i], 1e-4 * std::sqrt(double(k))) << threads << " threads, i " << i;
      ASSERT_NEAR(acc[i], tn[i], 1e-4 * std::sqrt(double(k))) << threads << " threads, i " << i;
    }
  }
}

// Head layouts: the decode path serves up to 8 query heads of a kv head per call (18 / 2 = 9
// splits) and keeps pairs of vectors of head_dim in registers; 16 and 24 leave scalar tails
// (on AVX-512 and AVX2) in the value and score passes.
struct HeadLayout {
  int n_heads, n_kv, hd;
};
constexpr HeadLayout kHeadLayouts[] = {{4, 2, 16}, {14, 2, 64}, {18, 2, 32}, {6, 3, 24}};

TEST_P(KernelsOnEachIsa, AttentionMatchesNaiveSoftmax) {
  ThreadPool pool(2);
  for (const auto [n_heads, n_kv, hd] : kHeadLayouts)
  for (auto [n_q, offset] : {std::pair<int64_t, int64_t>{3, 290}, {70, 230}})
  for (bool causal : {true, false}) {
    // 3 queries take the decode path, 70 the blocked sgemm path (a partial query block).
    const int64_t n_keys = 300;  // spans several key blocks
    auto k = Random(n_keys * n_kv * hd, 5, 2.0f);
    auto v = Random(n_keys * n_kv * hd, 6);
    auto q = Random(n_q * n_heads * hd, 4);
    std::vector<float> out(q.size());
    Attention(q.data(), n_q, k.data(), v.data(), n_keys, n_kv * hd,
              {n_heads, n_kv, hd, causal, offset}, out.data(), pool);
    for (int64_t i = 0; i < n_q; ++i)
      for (int h = 0; h < n_heads; ++h) {
        const int kvh = h / (n_heads / n_kv);
        const int64_t limit = causal ? offset + i + 1 : n_keys;
        std::vector<double> s(static_cast<size_t>(limit));
        double mx = -1e300, sum = 0;
        for (int64_t j = 0; j < limit; ++j) {
          double d = 0;
          for (int c = 0; c < hd; ++c) d += double(q[(i * n_heads + h) * hd + c]) * k[(j * n_kv + kvh) * hd + c];
          s[j] = d / std::sqrt(double(hd));
          mx = std::max(mx, s[j]);
        }
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (int c = 0; c < hd; ++c) {
          double o = 0;
          for (int64_t j = 0; j < limit; ++j) o += s[j] / sum * v[(j * n_kv + kvh) * hd + c];
          ASSERT_NEAR(out[(i * n_heads + h) * hd + c], o, 2e-5) << "causal " << causal << " heads " << n_heads;
        }
      }
  }
}

// bf16 and int8 caches: the blocked path (many queries) widens key/value blocks to f32; it
// must agree with the per-query path run one query at a time on the same cache.
TEST_P(KernelsOnEachIsa, BlockedAttentionMatchesPerQueryOnEachKvType) {
  ThreadPool pool(2);
  for (const auto [n_heads, n_kv, hd] : kHeadLayouts) {
    const int64_t n_keys = 300, n_q = 40, offset = 260, row = n_kv * hd;
    auto q = Random(n_q * n_heads * hd, 11);
    auto k = Random(n_keys * row, 12, 2.0f);
    auto v = Random(n_keys * row, 13);
    for (KvType type : {KvType::kBF16, KvType::kQ8}) {
      std::vector<uint16_t> kb(k.size()), vb(v.size());  // room for either storage type
      std::vector<float> ks(n_keys * n_kv), vs(n_keys * n_kv);
      StoreKv(type, k.data(), n_keys, row, hd, kb.data(), ks.data());
      StoreKv(type, v.data(), n_keys, row, hd, vb.data(), vs.data());
      const KvView view{type, kb.data(), vb.data(), row, ks.data(), vs.data()};
      std::vector<float> blocked(q.size()), one(static_cast<size_t>(n_heads * hd));
      Attention(q.data(), n_q, view, n_keys, {n_heads, n_kv, hd, true, offset}, blocked.data(), pool);
      for (int64_t i = 0; i < n_q; ++i) {
        Attention(q.data() + i * n_heads * hd, 1, view, n_keys, {n_heads, n_kv, hd, true, offset + i}, one.data(), pool);
        for (int c = 0; c < n_heads * hd; ++c)
          ASSERT_NEAR(blocked[i * n_heads * hd + c], one[c], 2e-5)
              << "kv type " << int(type) << " query " << i << " heads " << n_heads;
      }
    }
  }
}

// Quantized weights: every ISA's integer kernel against the scalar reference dot on the same
// quantized activations, for token counts that exercise the decode dots' row groups, the
// 8-token GEMM blocks and their tails.
TEST_P(KernelsOnEachIsa, QuantizedMatMulMatchesScalarReference) {
  ThreadPool pool(2);
  for (BlockType bt : {BlockType::kQ8_0, BlockType::kQ4_0, BlockType::kQ4_K}) {
    // 1280 = 40 groups of 32, 5 Q4_K blocks; 96 is an odd number of groups (no 64-value
    // steps); 11008 is wide enough for the decode dots to group Q8_0 rows too.
    for (int64_t cols : {96, 256, 512, 1280, 11008}) {
      if (cols % BlockValues(bt) != 0) continue;
      // 6 takes the tiled GEMM on VNNI and for Q4_K, two blocks of decode dots elsewhere; 9 and
      // 21 take the GEMM where there is one.
      for (int64_t n : {1, 2, 3, 4, 6, 9, 21}) {
        const int64_t rows = 37;
        auto x = Random(n * cols, 7);
        auto w = Random(rows * cols, 8, 0.05f);
        std::vector<uint8_t> packed(rows * RowBytes(bt, cols));
        for (int64_t r = 0; r < rows; ++r)
          QuantizeRow(bt, w.data() + r * cols, cols, packed.data() + r * RowBytes(bt, cols));
        auto bias = Random(rows, 9);
        Matrix m{DType::kF32, rows, cols, packed.data(), bt};
        std::vector<float> y(static_cast<size_t>(n * rows));
        MatMul(x.data(), n, m, bias.data(), y.data(), pool);
        std::vector<int8_t> q(cols);
        std::vector<float> d(cols / 32), s(cols / 32);
        for (int64_t t = 0; t < n; ++t) {
          QuantizeActsRow(x.data() + t * cols, cols, q.data(), d.data(), s.data());
          for (int64_t r = 0; r < rows; ++r) {
            const float ref = DotQuantRef(bt, packed.data() + r * RowBytes(bt, cols), q.data(), d.data(),
                                          s.data(), cols) + bias[r];
            ASSERT_NEAR(y[t * rows + r], ref, 1e-4 * (1 + std::fabs(ref)))
                << BlockTypeName(bt) << " cols " << cols << " n " << n << " t " << t << " r " << r;
          }
        }
      }
    }
  }
}

// Integer products at the edges of int8: activations of +-1 quantize to +-127 and the
// weights take their largest magnitudes (Q8_0 -128 and +-127, nibbles 15 and 0), so kernels
// that pair bytes into int16 (vpmaddubsw) would saturate if they fed Q8_0 as w + 128 or
// summed too many Q4 products in int16. Rows 0 and 1 are uniform, row 2 onwards mixed; 20
// rows make one full 16-row GEMM tile and a partial one.
TEST_P(KernelsOnEachIsa, QuantizedMatMulExactAtInt8Extremes) {
  ThreadPool pool(2);
  const int64_t cols = 512, rows = 20;
  std::mt19937 rng(10);
  for (BlockType bt : {BlockType::kQ8_0, BlockType::kQ4_0, BlockType::kQ4_K}) {
    const size_t row_bytes = RowBytes(bt, cols);
    std::vector<uint8_t> packed(rows * row_bytes);
    for (int64_t r = 0; r < rows; ++r) {
      auto q8 = [&] { return static_cast<int8_t>(r == 0 ? 127 : r == 1 ? -128 : rng() % 2 ? 127 : -127 - int(rng() % 2)); };
      auto nibbles = [&] { return static_cast<uint8_t>(r == 0 ? 0xff : r == 1 ? 0x00 : (rng() % 2 ? 0xf0 : 0) | (rng() % 2 ? 0x0f : 0)); };
      uint8_t* row = packed.data() + r * row_bytes;
      for (int64_t b = 0; b < cols / BlockValues(bt); ++b) {
        if (bt == BlockType::kQ8_0) {
          auto* blk = reinterpret_cast<BlockQ8_0*>(row) + b;
          blk->d = F32ToF16(1.0f);
          for (int8_t& v : blk->qs) v = q8();
        } else if (bt == BlockType::kQ4_0) {
          auto* blk = reinterpret_cast<BlockQ4_0*>(row) + b;
          blk->d = F32ToF16(1.0f);
          for (uint8_t& v : blk->qs) v = nibbles();
        } else {
          auto* blk = reinterpret_cast<BlockQ4_K*>(row) + b;
          blk->d = blk->dmin = F32ToF16(1.0f);
          for (uint8_t& v : blk->scales) v = 0xff;  // every sub-block scale and min 63
          for (uint8_t& v : blk->qs) v = nibbles();
        }
      }
    }
    const Matrix m{DType::kF32, rows, cols, packed.data(), bt};
    for (int64_t n : {1, 4, 9}) {  // decode dots and the GEMM with a 1-token tail
      std::vector<float> x(static_cast<size_t>(n * cols));
      for (float& v : x) v = rng() % 2 ? 1.0f : -1.0f;
      std::fill_n(x.begin(), cols, 1.0f);  // token 0 agrees in sign with rows 0 and 1 throughout
      std::vector<float> y(static_cast<size_t>(n * rows));
      MatMul(x.data(), n, m, nullptr, y.data(), pool);
      std::vector<int8_t> q(cols);
      std::vector<float> d(cols / 32), s(cols / 32);
      for (int64_t t = 0; t < n; ++t) {
        QuantizeActsRow(x.data() + t * cols, cols, q.data(), d.data(), s.data());
        ASSERT_EQ(std::abs(q[0]), 127);  // the activations really are at the edge
        for (int64_t r = 0; r < rows; ++r) {
          const float ref = DotQuantRef(bt, packed.data() + r * row_bytes, q.data(), d.data(), s.data(), cols);
          ASSERT_NEAR(y[t * rows + r], ref, 1e-5 * (1 + std::fabs(ref)))
              << BlockTypeName(bt) << " n " << n << " t " << t << " r " << r;
        }
      }
    }
  }
}

// The SIMD activations against the formulas in double, over a range wide enough to reach
// exp's overflow guard and tanh's saturation, with a tail shorter than a vector.
TEST_P(KernelsOnEachIsa, ActivationsMatchFormulas) {
  ThreadPool pool(2);
  const int64_t n = 40037;  // several parallel chunks and a ragged tail
  std::vector<float> x(n), up(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = -120.0f + 240.0f * static_cast<float>(i) / static_cast<float>(n - 1);
    up[i] = 0.5f + static_cast<float>(i % 7);
  }
  std::vector<float> g = x, a = x;
  SiluMul(g.data(), up.data(), n, pool);
  GeluTanh(a.data(), n, pool);
  for (int64_t i = 0; i < n; ++i) {
    const double v = x[i];
    const double silu = v / (1 + std::exp(-v)) * up[i];
    const double gelu = 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    ASSERT_NEAR(g[i], silu, 1e-6 * (1 + std::fabs(silu))) << "silu at " << v;
    ASSERT_NEAR(a[i], gelu, 1e-6 * (1 + std::fabs(gelu))) << "gelu at " << v;
  }
  std::vector<float> one = {1.0f};
  GeluTanh(one.data(), 1, pool);
  EXPECT_NEAR(one[0], 0.8411920070648193, 1e-6);  // torch gelu(1, approximate='tanh')
}

INSTANTIATE_TEST_SUITE_P(Isa, KernelsOnEachIsa, ::testing::ValuesIn(AvailableIsas()),
                         [](const auto& info) { return info.param; });

TEST(Kernels, NormsAndActivations) {
  const std::vector<float> x = {1.0f, -2.0f, 3.0f, 0.5f};
  const std::vector<float> w = {1.0f, 0.5f, 2.0f, 1.0f};
  const std::vector<float> b = {0.0f, 1.0f, 0.0f, -1.0f};
  std::vector<float> y(4);
  RmsNorm(x.data(), w.data(), 1e-6f, 1, 4, y.data());
  const double rms = std::sqrt((1 + 4 + 9 + 0.25) / 4.0 + 1e-6);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], w[i] * x[i] / rms, 1e-6);
  LayerNorm(x.data(), w.data(), b.data(), 1e-6f, 1, 4, y.data());
  const double mean = 2.5 / 4, var = ((1 - mean) * (1 - mean) + (-2 - mean) * (-2 - mean) +
                                      (3 - mean) * (3 - mean) + (0.5 - mean) * (0.5 - mean)) / 4;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], (x[i] - mean) / std::sqrt(var + 1e-6) * w[i] + b[i], 1e-5);

  std::vector<float> e = {1.0f};
  GeluErf(e.data(), 1);
  EXPECT_NEAR(e[0], 0.8413447460685429, 1e-6);  // torch gelu(1)
}

TEST(Kernels, RopeRotateHalfPairsIWithIPlusHalf) {
  std::vector<float> x = {1, 2, 3, 4};
  const float c[4] = {0.5f, 0.25f, 0.5f, 0.25f}, s[4] = {0.1f, 0.2f, 0.1f, 0.2f};
  RopeRotateHalf(x.data(), 1, 4, c, s);
  EXPECT_FLOAT_EQ(x[0], 1 * 0.5f - 3 * 0.1f);
  EXPECT_FLOAT_EQ(x[1], 2 * 0.25f - 4 * 0.2f);
  EXPECT_FLOAT_EQ(x[2], 3 * 0.5f + 1 * 0.1f);
  EXPECT_FLOAT_EQ(x[3], 4 * 0.25f + 2 * 0.2f);
}

TEST(Kernels, UnknownIsaIsAClearError) {
  EXPECT_THROW(ForceIsa("neon9000"), Error);
  EXPECT_FALSE(ActiveIsa().empty());
}

}  // namespace
}  // namespace hm::kernels
