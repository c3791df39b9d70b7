#include "model/vision_encoder.h"

#include <cmath>

#include "core/error.h"
#include "kernels/kernels.h"

namespace hm {

using kernels::MatMul;

namespace {

const float* BiasOrNull(const Vector& b) { return b.empty() ? nullptr : b.data(); }

// PyTorch upsample_bilinear2d's taps for output index dst: src = (dst + 0.5) * scale - 0.5
// clamped at 0, in float; input indices i0, i1 and the weight l1 of i1.
void BilinearTaps(int64_t in_size, int64_t out_size, int64_t dst, int64_t* i0, int64_t* i1, float* l1) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  const float src = std::max((static_cast<float>(dst) + 0.5f) * scale - 0.5f, 0.0f);
  *i0 = std::min(static_cast<int64_t>(src), in_size - 1);
  *i1 = *i0 + (*i0 < in_size - 1 ? 1 : 0);
  *l1 = src - static_cast<float>(*i0);
}

}  // namespace

std::pair<int64_t, int64_t> PatchPosition(int64_t i, int64_t gw, int m) {
  const int64_t block = i / (m * m), within = i % (m * m);
  const int64_t blocks_per_row = gw / m;
  return {(block / blocks_per_row) * m + within / m, (block % blocks_per_row) * m + within % m};
}

VisionRopeTables VisionRope(const VisionConfig& config, int64_t gh, int64_t gw, int merge) {
  // Reference: VisionRotaryEmbedding(dim = head_dim / 2), inv_freq over arange(0, dim, 2).
  const int64_t hd = config.hidden / config.n_heads, dim = hd / 2, quarter = hd / 4, n = gh * gw;
  std::vector<float> inv_freq;
  for (int64_t i = 0; i < dim / 2; ++i)
    inv_freq.push_back(1.0f / std::pow(10000.0f, static_cast<float>(2 * i) / static_cast<float>(dim)));
  VisionRopeTables t{std::vector<float>(static_cast<size_t>(n * hd)), std::vector<float>(static_cast<size_t>(n * hd))};
  for (int64_t i = 0; i < n; ++i) {
    const auto [r, c] = PatchPosition(i, gw, merge);
    for (int64_t j = 0; j < quarter; ++j) {
      const float ar = static_cast<float>(r) * inv_freq[j], ac = static_cast<float>(c) * inv_freq[j];
      for (int64_t rep : {int64_t{0}, 2 * quarter}) {
        t.cos[i * hd + rep + j] = std::cos(ar);
        t.sin[i * hd + rep + j] = std::sin(ar);
        t.cos[i * hd + rep + quarter + j] = std::cos(ac);
        t.sin[i * hd + rep + quarter + j] = std::sin(ac);
      }
    }
  }
  return t;
}

VisionEncoder::VisionEncoder(const VisionConfig& config, const VisionWeights& weights,
                             const std::vector<Linear>& projector)
    : config_(config), w_(weights), projector_(projector) {}

std::vector<float> BilinearResize(const float* in, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow) {
  std::vector<float> out(static_cast<size_t>(oh * ow * c));
  for (int64_t y = 0; y < oh; ++y) {
    int64_t y0, y1;
    float ly;
    BilinearTaps(h, oh, y, &y0, &y1, &ly);
    for (int64_t x = 0; x < ow; ++x) {
      int64_t x0, x1;
      float lx;
      BilinearTaps(w, ow, x, &x0, &x1, &lx);
      const float* a = in + (y0 * w + x0) * c;
      const float* b = in + (y0 * w + x1) * c;
      const float* d = in + (y1 * w + x0) * c;
      const float* e = in + (y1 * w + x1) * c;
      float* o = out.data() + (y * ow + x) * c;
      for (int64_t k = 0; k < c; ++k)
        o[k] = (1 - ly) * ((1 - lx) * a[k] + lx * b[k]) + ly * ((1 - lx) * d[k] + lx * e[k]);
    }
  }
  return out;
}

void BilinearResizeBackward(const float* d_out, int64_t h, int64_t w, int64_t c, int64_t oh, int64_t ow, float* d_in) {
  for (int64_t y = 0; y < oh; ++y) {
    int64_t y0, y1;
    float ly;
    BilinearTaps(h, oh, y, &y0, &y1, &ly);
    for (int64_t x = 0; x < ow; ++x) {
      int64_t x0, x1;
      float lx;
      BilinearTaps(w, ow, x, &x0, &x1, &lx);
      const float* g = d_out + (y * ow + x) * c;
      const std::pair<float*, float> taps[] = {{d_in + (y0 * w + x0) * c, (1 - ly) * (1 - lx)},
                                               {d_in + (y0 * w + x1) * c, (1 - ly) * lx},
                                               {d_in + (y1 * w + x0) * c, ly * (1 - lx)},
                                               {d_in + (y1 * w + x1) * c, ly * lx}};
      for (const auto& [dst, weight] : taps)
        for (int64_t k = 0; k < c; ++k) dst[k] += weight * g[k];
    }
  }
}

void VisionEncoder::EncodeFrame(const float* patches, int64_t gh, int64_t gw, int merge, float* x,
                                ThreadPool& pool) const {
  const int64_t n = gh * gw, d = config_.hidden, hd = d / config_.n_heads;
  MatMul(patches, n, w_.patch_embed.weight, w_.patch_embed.bias.data(), x, pool);

  const VisionRopeTables rope = VisionRope(config_, gh, gw, merge);
  const std::vector<float>& cos = rope.cos;
  const std::vector<float>& sin = rope.sin;

  std::vector<float> xn(static_cast<size_t>(n * d)), q(xn.size()), k(xn.size()), v(xn.size()),
      attn(xn.size()), out(xn.size()), mlp(static_cast<size_t>(n * config_.intermediate));
  for (const VisionLayerWeights& l : w_.layers) {
    kernels::LayerNorm(x, l.ln1_weight.data(), l.ln1_bias.data(), config_.layer_norm_eps, n, d, xn.data());
    AdaptedMatMul(xn.data(), n, l.q.weight, BiasOrNull(l.q.bias), l.q.lora, q.data(), pool);
    AdaptedMatMul(xn.data(), n, l.k.weight, BiasOrNull(l.k.bias), l.k.lora, k.data(), pool);
    AdaptedMatMul(xn.data(), n, l.v.weight, BiasOrNull(l.v.bias), l.v.lora, v.data(), pool);
    for (int64_t i = 0; i < n; ++i) {
      kernels::RopeRotateHalf(q.data() + i * d, config_.n_heads, static_cast<int>(hd), cos.data() + i * hd, sin.data() + i * hd);
      kernels::RopeRotateHalf(k.data() + i * d, config_.n_heads, static_cast<int>(hd), cos.data() + i * hd, sin.data() + i * hd);
    }
    kernels::Attention(q.data(), n, k.data(), v.data(), n, d,
                       {config_.n_heads, config_.n_heads, static_cast<int>(hd), /*causal=*/false, 0},
                       attn.data(), pool);
    AdaptedMatMul(attn.data(), n, l.out.weight, BiasOrNull(l.out.bias), l.out.lora, out.data(), pool);
    kernels::AddInPlace(x, out.data(), n * d);

    kernels::LayerNorm(x, l.ln2_weight.data(), l.ln2_bias.data(), config_.layer_norm_eps, n, d, xn.data());
    AdaptedMatMul(xn.data(), n, l.fc1.weight, BiasOrNull(l.fc1.bias), l.fc1.lora, mlp.data(), pool);
    kernels::GeluTanh(mlp.data(), n * config_.intermediate, pool);
    AdaptedMatMul(mlp.data(), n, l.fc2.weight, BiasOrNull(l.fc2.bias), l.fc2.lora, out.data(), pool);
    kernels::AddInPlace(x, out.data(), n * d);
  }
  kernels::LayerNorm(x, w_.post_ln_weight.data(), w_.post_ln_bias.data(), config_.layer_norm_eps, n, d, x);
}

std::vector<float> VisionEncoder::Encode(const PreprocessedMedia& media, ThreadPool& pool) const {
  const auto [t, gh, gw] = media.grid;
  const int m = media.merge_size;
  const int64_t patch_values = int64_t{config_.n_channels} * config_.patch_size * config_.patch_size;
  HM_CHECK(media.pixels.cols == patch_values, "vision encoder: patch rows have ", media.pixels.cols,
           " values, the checkpoint expects ", patch_values);
  HM_CHECK(t > 0 && gh > 0 && gw > 0 && m > 0 && gh % m == 0 && gw % m == 0 &&
               media.pixels.rows == t * gh * gw,
           "vision encoder: grid (", t, ", ", gh, ", ", gw, ") with merge size ", m,
           " does not match ", media.pixels.rows, " patch rows");
  const int64_t d = config_.hidden, per_frame = gh * gw, oh = gh / m, ow = gw / m;
  std::vector<float> out;
  out.reserve(static_cast<size_t>(t * oh * ow * d));
  std::vector<float> states(static_cast<size_t>(per_frame * d)), grid(states.size());
  for (int64_t f = 0; f < t; ++f) {
    EncodeFrame(media.pixels.data.data() + f * per_frame * patch_values, gh, gw, m, states.data(), pool);
    // Undo the merge-block order, then downsample by m.
    for (int64_t i = 0; i < per_frame; ++i) {
      const auto [r, c] = PatchPosition(i, gw, m);
      std::copy_n(states.data() + i * d, d, grid.data() + (r * gw + c) * d);
    }
    const std::vector<float> small = m == 1 ? grid : BilinearResize(grid.data(), gh, gw, d, oh, ow);
    out.insert(out.end(), small.begin(), small.end());
  }
  return out;
}

std::vector<float> VisionEncoder::Project(const std::vector<float>& features, ThreadPool& pool) const {
  const int64_t n = static_cast<int64_t>(features.size()) / config_.hidden;
  std::vector<float> x = features;
  for (size_t i = 0; i < projector_.size(); ++i) {
    const Linear& layer = projector_[i];
    std::vector<float> y(static_cast<size_t>(n * layer.weight.rows));
    MatMul(x.data(), n, layer.weight, BiasOrNull(layer.bias), y.data(), pool);
    if (i + 1 < projector_.size()) kernels::GeluErf(y.data(), static_cast<int64_t>(y.size()));
    x = std::move(y);
  }
  return x;
}

}  // namespace hm
