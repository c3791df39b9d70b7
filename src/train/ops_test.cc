// Each backward against central differences of a float64 re-statement of its forward, on
// small random shapes: for L = Σ r ⊙ f(inputs) with random r, the backward given dy = r must
// return ∂L/∂input.
#include "train/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "core/dtype.h"
#include "core/error.h"
#include "train/bf16_weights.h"

namespace hm::train {
namespace {

using Vec = std::vector<double>;
using Fn = std::function<Vec(const Vec&)>;

Vec Random(size_t n, uint32_t seed, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(0.0, scale);
  Vec v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

std::vector<float> ToF32(const Vec& v) { return {v.begin(), v.end()}; }

// ∂/∂x Σ r ⊙ f(x) by central differences in float64.
Vec NumericGrad(const Fn& f, Vec x, const Vec& r) {
  Vec g(x.size());
  const double h = 1e-6;
  for (size_t i = 0; i < x.size(); ++i) {
    const double keep = x[i];
    double up = 0, down = 0;
    x[i] = keep + h;
    Vec y = f(x);
    for (size_t j = 0; j < y.size(); ++j) up += r[j] * y[j];
    x[i] = keep - h;
    y = f(x);
    for (size_t j = 0; j < y.size(); ++j) down += r[j] * y[j];
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

// max |analytic - numeric| <= 1e-4 of the largest numeric entry (and the gradient is not zero).
void ExpectGradNear(const std::vector<float>& analytic, const Vec& numeric, const char* what) {
  ASSERT_EQ(analytic.size(), numeric.size()) << what;
  double largest = 0, worst = 0;
  for (size_t i = 0; i < numeric.size(); ++i) {
    largest = std::max(largest, std::abs(numeric[i]));
    worst = std::max(worst, std::abs(analytic[i] - numeric[i]));
  }
  ASSERT_GT(largest, 1e-3) << what;
  EXPECT_LE(worst, 1e-4 * largest) << what << ": largest entry " << largest;
}

class OpsTest : public ::testing::Test {
 protected:
  ThreadPool pool{2};
};

TEST_F(OpsTest, LinearMatchesFiniteDifferences) {
  const int64_t n = 3, in = 5, out = 4;
  const Vec x = Random(n * in, 1), w = Random(out * in, 2), b = Random(out, 3), r = Random(n * out, 4);
  auto forward = [&](const Vec& xv, const Vec& wv, const Vec& bv) {
    Vec y(n * out);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t o = 0; o < out; ++o) {
        y[t * out + o] = bv[o];
        for (int64_t i = 0; i < in; ++i) y[t * out + o] += xv[t * in + i] * wv[o * in + i];
      }
    return y;
  };
  std::vector<float> xf = ToF32(x), wf = ToF32(w), bf = ToF32(b), rf = ToF32(r), y(n * out);
  LinearForward(xf.data(), n, wf.data(), out, in, bf.data(), y.data(), pool);
  const Vec y_ref = forward(x, w, b);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y_ref[i], 1e-5);

  std::vector<float> dx(n * in), dw(out * in, 0.0f), db(out, 0.0f);
  LinearBackward(xf.data(), n, wf.data(), out, in, rf.data(), dx.data(), dw.data(), db.data(), pool);
  ExpectGradNear(dx, NumericGrad([&](const Vec& v) { return forward(v, w, b); }, x, r), "dx");
  ExpectGradNear(dw, NumericGrad([&](const Vec& v) { return forward(x, v, b); }, w, r), "dw");
  ExpectGradNear(db, NumericGrad([&](const Vec& v) { return forward(x, w, v); }, b, r), "db");

  // Parameter gradients accumulate.
  LinearBackward(xf.data(), n, wf.data(), out, in, rf.data(), nullptr, dw.data(), nullptr, pool);
  std::vector<float> twice(dw.size());
  for (size_t i = 0; i < dw.size(); ++i) twice[i] = dw[i] / 2;
  ExpectGradNear(twice, NumericGrad([&](const Vec& v) { return forward(x, v, b); }, w, r), "dw twice");
}

// bf16 compute is f32 sums of products of operands rounded to bf16: a float64 sum of the
// rounded operands' products is the reference, up to f32 summation.
TEST_F(OpsTest, LinearBf16IsF32ArithmeticOnRoundedOperands) {
  auto bf16 = [](double v) { return double{BF16ToF32(F32ToBF16(static_cast<float>(v)))}; };
  for (const int64_t n : {3, 40}) {
    const int64_t in = 37, out = 9;
    const Vec x = Random(n * in, 11), w = Random(out * in, 12), b = Random(out, 13), r = Random(n * out, 14);
    std::vector<float> xf = ToF32(x), wf = ToF32(w), bf = ToF32(b), rf = ToF32(r), grad(wf.size(), 0.0f);
    std::vector<TrainParam> params{{"w", wf, grad}};
    Bf16Weights copies(params);
    copies.Refresh(pool);
    const kernels::Matrix w16 = copies.Of(F32Matrix(wf.data(), out, in));
    EXPECT_THROW(copies.Of(F32Matrix(bf.data(), 1, out)), Error);

    std::vector<float> y(n * out), y32(n * out);
    LinearForwardBf16(xf.data(), n, w16, bf.data(), y.data(), pool);
    LinearForward(xf.data(), n, wf.data(), out, in, bf.data(), y32.data(), pool);
    double rounding_shows = 0;
    for (int64_t t = 0; t < n; ++t)
      for (int64_t o = 0; o < out; ++o) {
        double want = b[o];
        for (int64_t i = 0; i < in; ++i) want += bf16(x[t * in + i]) * bf16(w[o * in + i]);
        EXPECT_NEAR(y[t * out + o], want, 1e-5) << n;
        rounding_shows = std::max(rounding_shows, std::abs(double{y32[t * out + o]} - want));
      }
    EXPECT_GT(rounding_shows, 1e-3) << "bf16 rounding should change the result";

    std::vector<float> dx(n * in), dw(out * in, 0.0f), db(out, 0.0f);
    LinearBackwardBf16(xf.data(), n, w16, rf.data(), dx.data(), dw.data(), db.data(), pool);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t i = 0; i < in; ++i) {
        double want = 0;
        for (int64_t o = 0; o < out; ++o) want += bf16(r[t * out + o]) * bf16(w[o * in + i]);
        EXPECT_NEAR(dx[t * in + i], want, 1e-5) << n;
      }
    for (int64_t o = 0; o < out; ++o) {
      double want_b = 0;
      for (int64_t t = 0; t < n; ++t) want_b += r[t * out + o];
      EXPECT_NEAR(db[o], want_b, 1e-4) << n;
      for (int64_t i = 0; i < in; ++i) {
        double want = 0;
        for (int64_t t = 0; t < n; ++t) want += bf16(r[t * out + o]) * bf16(x[t * in + i]);
        EXPECT_NEAR(dw[o * in + i], want, 1e-4) << n;
      }
    }
  }
}

// The bf16 copies follow their masters after a step, except a frozen group's, which cannot
// have changed; the first refresh rounds every one.
TEST_F(OpsTest, Bf16CopiesAreRemadeForTheGroupsThatTrain) {
  std::vector<float> llm = {1.0f, 2.0f}, vision = {3.0f, 4.0f}, grad(2);
  std::vector<TrainParam> params{{"llm", llm, grad, ModuleGroup::kLlm}, {"vision", vision, grad, ModuleGroup::kVision}};
  Bf16Weights copies(params);
  auto first = [&](std::vector<float>& master) {
    return BF16ToF32(static_cast<const uint16_t*>(copies.Of(F32Matrix(master.data(), 1, 2)).data)[0]);
  };
  const auto llm_only = [](ModuleGroup g) { return g == ModuleGroup::kLlm; };
  copies.Refresh(pool, llm_only);
  EXPECT_EQ(first(llm), 1.0f);
  EXPECT_EQ(first(vision), 3.0f);
  llm[0] = 5.0f;
  vision[0] = 6.0f;
  copies.Refresh(pool, llm_only);
  EXPECT_EQ(first(llm), 5.0f);
  EXPECT_EQ(first(vision), 3.0f);
  copies.Refresh(pool);
  EXPECT_EQ(first(vision), 6.0f);
}

TEST_F(OpsTest, RmsNormMatchesFiniteDifferences) {
  const int64_t n = 3, dim = 8;
  const float eps = 1e-6f;
  const Vec x = Random(n * dim, 5), w = Random(dim, 6), r = Random(n * dim, 7);
  auto forward = [&](const Vec& xv, const Vec& wv) {
    Vec y(n * dim);
    for (int64_t t = 0; t < n; ++t) {
      double sq = 0;
      for (int64_t i = 0; i < dim; ++i) sq += xv[t * dim + i] * xv[t * dim + i];
      const double s = 1.0 / std::sqrt(sq / dim + eps);
      for (int64_t i = 0; i < dim; ++i) y[t * dim + i] = wv[i] * xv[t * dim + i] * s;
    }
    return y;
  };
  std::vector<float> xf = ToF32(x), wf = ToF32(w), rf = ToF32(r), y(n * dim), dx(n * dim), dw(dim, 0.0f);
  RmsNormForward(xf.data(), wf.data(), eps, n, dim, y.data());
  const Vec y_ref = forward(x, w);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y_ref[i], 1e-5);
  RmsNormBackward(xf.data(), wf.data(), eps, n, dim, rf.data(), dx.data(), dw.data());
  ExpectGradNear(dx, NumericGrad([&](const Vec& v) { return forward(v, w); }, x, r), "dx");
  ExpectGradNear(dw, NumericGrad([&](const Vec& v) { return forward(x, v); }, w, r), "dw");
}

TEST_F(OpsTest, RopeMatchesFiniteDifferences) {
  const int64_t n = 3;
  const int heads = 2, d = 8;
  const Vec x = Random(n * heads * d, 8), r = Random(n * heads * d, 9);
  std::vector<float> cos(n * d), sin(n * d);
  for (int64_t t = 0; t < n; ++t)
    for (int i = 0; i < d / 2; ++i) {
      const double angle = (t + 1) * std::pow(0.3, i);
      cos[t * d + i] = cos[t * d + i + d / 2] = static_cast<float>(std::cos(angle));
      sin[t * d + i] = sin[t * d + i + d / 2] = static_cast<float>(std::sin(angle));
    }
  auto forward = [&](const Vec& xv) {
    Vec y(xv.size());
    for (int64_t t = 0; t < n; ++t)
      for (int h = 0; h < heads; ++h)
        for (int i = 0; i < d; ++i) {
          const double* row = xv.data() + (t * heads + h) * d;
          const double rotated = i < d / 2 ? -row[i + d / 2] : row[i - d / 2];
          y[(t * heads + h) * d + i] = row[i] * cos[t * d + i] + rotated * sin[t * d + i];
        }
    return y;
  };
  std::vector<float> y = ToF32(x), dy = ToF32(r);
  RopeForward(y.data(), n, heads, d, cos.data(), sin.data());
  const Vec y_ref = forward(x);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y_ref[i], 1e-5);
  RopeBackward(dy.data(), n, heads, d, cos.data(), sin.data());
  ExpectGradNear(dy, NumericGrad(forward, x, r), "dx");
}

class AttentionTest : public OpsTest, public ::testing::WithParamInterface<bool> {};

TEST_P(AttentionTest, GroupedAttentionMatchesFiniteDifferences) {
  const int64_t n = 5;
  const kernels::AttentionShape s{4, 2, 8, /*causal=*/GetParam(), 0};
  const int64_t q_size = n * s.n_heads * s.head_dim, kv_size = n * s.n_kv_heads * s.head_dim;
  const Vec q = Random(q_size, 10), k = Random(kv_size, 11), v = Random(kv_size, 12), r = Random(q_size, 13);
  auto forward = [&](const Vec& qv, const Vec& kv, const Vec& vv) {
    const int H = s.n_heads, KV = s.n_kv_heads, d = s.head_dim;
    Vec o(q_size, 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int h = 0; h < H; ++h) {
        const int g = h / (H / KV);
        const int64_t keys = s.causal ? i + 1 : n;
        Vec p(keys);
        double m = -1e300, sum = 0;
        for (int64_t j = 0; j < keys; ++j) {
          double dot = 0;
          for (int c = 0; c < d; ++c) dot += qv[(i * H + h) * d + c] * kv[(j * KV + g) * d + c];
          m = std::max(m, p[j] = dot / std::sqrt(double(d)));
        }
        for (double& pj : p) sum += pj = std::exp(pj - m);
        for (int64_t j = 0; j < keys; ++j)
          for (int c = 0; c < d; ++c) o[(i * H + h) * d + c] += p[j] / sum * vv[(j * KV + g) * d + c];
      }
    return o;
  };
  std::vector<float> qf = ToF32(q), kf = ToF32(k), vf = ToF32(v), rf = ToF32(r);
  std::vector<float> o(q_size), lse(n * s.n_heads), dq(q_size), dk(kv_size), dv(kv_size);
  AttentionForward(qf.data(), kf.data(), vf.data(), n, s, o.data(), lse.data(), pool);
  const Vec o_ref = forward(q, k, v);
  for (size_t i = 0; i < o.size(); ++i) EXPECT_NEAR(o[i], o_ref[i], 1e-5);

  AttentionBackward(qf.data(), kf.data(), vf.data(), o.data(), lse.data(), rf.data(), n, s, dq.data(), dk.data(),
                    dv.data(), pool);
  ExpectGradNear(dq, NumericGrad([&](const Vec& x) { return forward(x, k, v); }, q, r), "dq");
  ExpectGradNear(dk, NumericGrad([&](const Vec& x) { return forward(q, x, v); }, k, r), "dk");
  ExpectGradNear(dv, NumericGrad([&](const Vec& x) { return forward(q, k, x); }, v, r), "dv");
}

// Longer than one block of query rows (the backward works in blocks of 128): the matmul
// formulation equals the direct sums over every (query, key) pair, in double precision.
TEST_P(AttentionTest, BlockedBackwardMatchesDirectSumsOnLongSequences) {
  const int64_t n = 300;
  const kernels::AttentionShape s{4, 2, 8, /*causal=*/GetParam(), 0};
  const int H = s.n_heads, KV = s.n_kv_heads, d = s.head_dim;
  const int64_t q_size = n * H * d, kv_size = n * KV * d;
  const std::vector<float> q = ToF32(Random(q_size, 20, 2.0)), k = ToF32(Random(kv_size, 21, 2.0)),
                           v = ToF32(Random(kv_size, 22)), d_o = ToF32(Random(q_size, 23));
  std::vector<float> o(q_size), lse(n * H), dq(q_size), dk(kv_size), dv(kv_size);
  AttentionForward(q.data(), k.data(), v.data(), n, s, o.data(), lse.data(), pool);
  AttentionBackward(q.data(), k.data(), v.data(), o.data(), lse.data(), d_o.data(), n, s, dq.data(), dk.data(),
                    dv.data(), pool);
  Vec dq_ref(q_size, 0.0), dk_ref(kv_size, 0.0), dv_ref(kv_size, 0.0);
  for (int h = 0; h < H; ++h)
    for (int64_t i = 0; i < n; ++i) {
      const int g = h / (H / KV);
      const int64_t keys = s.causal ? i + 1 : n;
      const float* qi = q.data() + (i * H + h) * d;
      const float* doi = d_o.data() + (i * H + h) * d;
      Vec p(keys), dp(keys);
      double m = -1e300, sum = 0, D = 0;
      for (int64_t j = 0; j < keys; ++j) {
        double dot = 0, dov = 0;
        for (int c = 0; c < d; ++c) {
          dot += double{qi[c]} * k[(j * KV + g) * d + c];
          dov += double{doi[c]} * v[(j * KV + g) * d + c];
        }
        m = std::max(m, p[j] = dot / std::sqrt(double(d)));
        dp[j] = dov;
      }
      for (double& pj : p) sum += pj = std::exp(pj - m);
      for (double& pj : p) pj /= sum;
      for (int64_t j = 0; j < keys; ++j) D += p[j] * dp[j];
      for (int64_t j = 0; j < keys; ++j) {
        const double ds = p[j] * (dp[j] - D) / std::sqrt(double(d));
        for (int c = 0; c < d; ++c) {
          dq_ref[(i * H + h) * d + c] += ds * k[(j * KV + g) * d + c];
          dk_ref[(j * KV + g) * d + c] += ds * qi[c];
          dv_ref[(j * KV + g) * d + c] += p[j] * doi[c];
        }
      }
    }
  for (int64_t i = 0; i < q_size; ++i) ASSERT_NEAR(dq[i], dq_ref[i], 1e-4) << "dq " << i;
  for (int64_t i = 0; i < kv_size; ++i) ASSERT_NEAR(dk[i], dk_ref[i], 1e-4) << "dk " << i;
  for (int64_t i = 0; i < kv_size; ++i) ASSERT_NEAR(dv[i], dv_ref[i], 1e-4) << "dv " << i;
}

INSTANTIATE_TEST_SUITE_P(CausalAndFull, AttentionTest, ::testing::Bool());

TEST_F(OpsTest, SwiGluMatchesFiniteDifferences) {
  const int64_t count = 12;
  const Vec g = Random(count, 14, 2.0), u = Random(count, 15), r = Random(count, 16);
  auto forward = [&](const Vec& gv, const Vec& uv) {
    Vec a(count);
    for (int64_t i = 0; i < count; ++i) a[i] = gv[i] / (1 + std::exp(-gv[i])) * uv[i];
    return a;
  };
  std::vector<float> gf = ToF32(g), uf = ToF32(u), rf = ToF32(r), a(count), dg(count), du(count);
  SwiGluForward(gf.data(), uf.data(), count, a.data(), pool);
  const Vec a_ref = forward(g, u);
  for (int64_t i = 0; i < count; ++i) EXPECT_NEAR(a[i], a_ref[i], 1e-5);
  SwiGluBackward(gf.data(), uf.data(), rf.data(), count, dg.data(), du.data());
  ExpectGradNear(dg, NumericGrad([&](const Vec& x) { return forward(x, u); }, g, r), "dg");
  ExpectGradNear(du, NumericGrad([&](const Vec& x) { return forward(g, x); }, u, r), "du");
}

TEST_F(OpsTest, CrossEntropyMatchesFiniteDifferences) {
  const int64_t rows = 3, vocab = 7;
  const std::vector<int32_t> targets = {2, 0, 6};
  const float scale = 0.25f;
  const Vec z = Random(rows * vocab, 17, 3.0);
  auto loss = [&](const Vec& zv) {
    double total = 0;
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t c = 0; c < vocab; ++c) sum += std::exp(zv[r * vocab + c]);
      total += std::log(sum) - zv[r * vocab + targets[r]];
    }
    return Vec{scale * total};
  };
  std::vector<float> zf = ToF32(z), dz(rows * vocab);
  EXPECT_NEAR(CrossEntropy(zf.data(), targets, vocab, scale, dz.data()) * scale, loss(z)[0], 1e-5);
  ExpectGradNear(dz, NumericGrad(loss, z, {1.0}), "dz");
  // In place.
  CrossEntropy(zf.data(), targets, vocab, scale, zf.data());
  EXPECT_EQ(zf, dz);
  const std::vector<int32_t> bad = {7};
  EXPECT_THROW(CrossEntropy(dz.data(), bad, vocab, scale, dz.data()), Error);
}

TEST_F(OpsTest, LayerNormMatchesFiniteDifferences) {
  const int64_t n = 3, dim = 8;
  const float eps = 1e-6f;
  const Vec x = Random(n * dim, 18), w = Random(dim, 19), b = Random(dim, 20), r = Random(n * dim, 21);
  auto forward = [&](const Vec& xv, const Vec& wv, const Vec& bv) {
    Vec y(n * dim);
    for (int64_t t = 0; t < n; ++t) {
      double mean = 0, var = 0;
      for (int64_t i = 0; i < dim; ++i) mean += xv[t * dim + i] / dim;
      for (int64_t i = 0; i < dim; ++i) var += (xv[t * dim + i] - mean) * (xv[t * dim + i] - mean) / dim;
      for (int64_t i = 0; i < dim; ++i) y[t * dim + i] = (xv[t * dim + i] - mean) / std::sqrt(var + eps) * wv[i] + bv[i];
    }
    return y;
  };
  std::vector<float> xf = ToF32(x), wf = ToF32(w), bf = ToF32(b), rf = ToF32(r), y(n * dim), dx(n * dim),
      dw(dim, 0.0f), db(dim, 0.0f);
  LayerNormForward(xf.data(), wf.data(), bf.data(), eps, n, dim, y.data());
  const Vec y_ref = forward(x, w, b);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y_ref[i], 1e-5);
  LayerNormBackward(xf.data(), wf.data(), eps, n, dim, rf.data(), dx.data(), dw.data(), db.data());
  ExpectGradNear(dx, NumericGrad([&](const Vec& v) { return forward(v, w, b); }, x, r), "dx");
  ExpectGradNear(dw, NumericGrad([&](const Vec& v) { return forward(x, v, b); }, w, r), "dw");
  ExpectGradNear(db, NumericGrad([&](const Vec& v) { return forward(x, w, v); }, b, r), "db");
}

TEST_F(OpsTest, GeluTanhAndErfMatchFiniteDifferences) {
  const int64_t count = 16;
  const Vec x = Random(count, 22, 2.0), r = Random(count, 23);
  auto gelu_tanh = [&](const Vec& v) {
    Vec y(count);
    for (int64_t i = 0; i < count; ++i)
      y[i] = 0.5 * v[i] * (1 + std::tanh(std::sqrt(2 / M_PI) * (v[i] + 0.044715 * v[i] * v[i] * v[i])));
    return y;
  };
  auto gelu_erf = [&](const Vec& v) {
    Vec y(count);
    for (int64_t i = 0; i < count; ++i) y[i] = 0.5 * v[i] * (1 + std::erf(v[i] / std::sqrt(2.0)));
    return y;
  };
  std::vector<float> xf = ToF32(x), rf = ToF32(r), y(count), dx(count);
  GeluTanhForward(xf.data(), count, y.data(), pool);
  const Vec tanh_ref = gelu_tanh(x);
  for (int64_t i = 0; i < count; ++i) EXPECT_NEAR(y[i], tanh_ref[i], 1e-5);
  GeluTanhBackward(xf.data(), rf.data(), count, dx.data());
  ExpectGradNear(dx, NumericGrad(gelu_tanh, x, r), "gelu tanh");
  GeluErfForward(xf.data(), count, y.data());
  const Vec erf_ref = gelu_erf(x);
  for (int64_t i = 0; i < count; ++i) EXPECT_NEAR(y[i], erf_ref[i], 1e-5);
  GeluErfBackward(xf.data(), rf.data(), count, dx.data());
  ExpectGradNear(dx, NumericGrad(gelu_erf, x, r), "gelu erf");
}

TEST_F(OpsTest, EmbeddingGathersRowsAndScattersGradients) {
  const int64_t dim = 3;
  const std::vector<float> table = {0, 1, 2, 10, 11, 12, 20, 21, 22};
  const std::vector<int32_t> ids = {2, 0, 2};
  std::vector<float> x(ids.size() * dim);
  EmbeddingForward(table.data(), dim, ids, x.data());
  EXPECT_EQ(x, (std::vector<float>{20, 21, 22, 0, 1, 2, 20, 21, 22}));
  const std::vector<float> dx = {1, 1, 1, 2, 2, 2, 3, 3, 3};
  std::vector<float> dtable(table.size(), 0.5f);
  EmbeddingBackward(ids, dx.data(), dim, dtable.data());
  EXPECT_EQ(dtable, (std::vector<float>{2.5, 2.5, 2.5, 0.5, 0.5, 0.5, 4.5, 4.5, 4.5}));
}

}  // namespace
}  // namespace hm::train
