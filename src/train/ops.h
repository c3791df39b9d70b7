// The decoder's differentiable operations as forward/backward pairs, side by side. Forwards
// go through the kernels interface (so training sees the numerics inference sees); backwards
// accumulate parameter gradients (`+=`) and write input gradients (`=`) unless said otherwise.
// Shapes: n rows (tokens), row-major.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/kernels.h"

namespace hm::train {

// An f32 [rows, cols] matrix in HF Linear layout, as the kernels take it.
kernels::Matrix F32Matrix(const float* data, int64_t rows, int64_t cols);

// y = x Wᵀ + b.  x: [n, in], w: [out, in], b: [out] or null, y: [n, out].
void LinearForward(const float* x, int64_t n, const float* w, int64_t out, int64_t in, const float* b,
                   float* y, ThreadPool& pool);
// dx = dy W (dx null: not wanted); dW += dyᵀ x; db += Σ_rows dy (dw, db null: not wanted,
// a frozen layer; db must be null when dw is).
void LinearBackward(const float* x, int64_t n, const float* w, int64_t out, int64_t in, const float* dy,
                    float* dx, float* dw, float* db, ThreadPool& pool);
// The same for a weight in any format (w: [out, in]); a trained one is an f32 master, a frozen
// bf16 or quantized one gets dx from kernels::MatMulTransposed (never widened as a whole).
void LinearBackward(const float* x, int64_t n, const kernels::Matrix& w, const float* dy, float* dx, float* dw,
                    float* db, ThreadPool& pool);

// bf16 compute, as torch.autocast(bfloat16) runs a linear layer: the input and the weight
// enter the product rounded to bf16 (w16: the weight's bf16 copy, train/bf16_weights.h), the
// products are summed in f32 (kernels/bf16_matmul.h); the bias, the output and every other
// operation stay f32. The backward rounds the output gradient alike: dx = bf16(dy) W16,
// dW += bf16(dy)ᵀ bf16(x) into the f32 master's gradient, db += Σ_rows dy.
void LinearForwardBf16(const float* x, int64_t n, const kernels::Matrix& w16, const float* b, float* y,
                       ThreadPool& pool);
void LinearBackwardBf16(const float* x, int64_t n, const kernels::Matrix& w16, const float* dy, float* dx, float* dw,
                        float* db, ThreadPool& pool);

// y = w ⊙ x / sqrt(mean(x²) + eps), per row of length dim.  x, y: [n, dim], w: [dim].
void RmsNormForward(const float* x, const float* w, float eps, int64_t n, int64_t dim, float* y);
// With r = (mean(x²) + eps)^-½ and g = w ⊙ dy:  dx = r g - r³ x (g·x) / dim;  dw += Σ_rows dy ⊙ x r
// (dw null: a frozen weight).
void RmsNormBackward(const float* x, const float* w, float eps, int64_t n, int64_t dim, const float* dy,
                     float* dx, float* dw);

// Rotary embedding (rotate-half pairing) of n tokens of n_heads heads, in place.
// x: [n, n_heads, head_dim]; cos, sin: [n, head_dim] for each token's position.
void RopeForward(float* x, int64_t n, int n_heads, int head_dim, const float* cos, const float* sin);
// The rotation is orthogonal: dx = Rᵀ dy, the rotation by -angle. In place on dy.
void RopeBackward(float* dy, int64_t n, int n_heads, int head_dim, const float* cos, const float* sin);

// Grouped-query attention of one sequence over itself: query head h reads kv head
// h / (n_heads / n_kv_heads); o_i = Σ_j softmax_j(q_i·k_j / √d) v_j over j <= i when
// s.causal (the decoder), over all j otherwise (a vision frame). s.causal_offset is unused.
// q, o: [n, n_heads, d]; k, v: [n, n_kv_heads, d]; lse: [n, n_heads], log Σ_j exp(scores),
// kept so the backward can rebuild the probabilities without storing them.
void AttentionForward(const float* q, const float* k, const float* v, int64_t n, const kernels::AttentionShape& s,
                      float* o, float* lse, ThreadPool& pool);
// With P the probabilities and D_i = do_i·o_i:  dS = P ⊙ (dO Vᵀ - D),  dq = dS K / √d,
// dk = dSᵀ Q / √d,  dv = Pᵀ dO (summed over the query heads sharing a kv head). Writes dq, dk, dv.
void AttentionBackward(const float* q, const float* k, const float* v, const float* o, const float* lse,
                       const float* d_o, int64_t n, const kernels::AttentionShape& s, float* dq, float* dk,
                       float* dv, ThreadPool& pool);

// a = silu(g) ⊙ u.  g, u, a: [count].
void SwiGluForward(const float* g, const float* u, int64_t count, float* a, ThreadPool& pool);
// dg = da ⊙ u ⊙ σ(g)(1 + g(1 - σ(g))),  du = da ⊙ silu(g).
void SwiGluBackward(const float* g, const float* u, const float* da, int64_t count, float* dg, float* du);

// Cross entropy of m rows of logits against their targets: returns Σ_i -log softmax(z_i)[t_i]
// and writes dz = scale (softmax(z) - onehot(t)).  logits, dz: [m, vocab]. dz may alias logits.
double CrossEntropy(const float* logits, std::span<const int32_t> targets, int64_t vocab, float scale, float* dz);

// y = w ⊙ (x - mean) / sqrt(var + eps) + b, per row of length dim.  x, y: [n, dim].
void LayerNormForward(const float* x, const float* w, const float* b, float eps, int64_t n, int64_t dim, float* y);
// With x̂ the normalised row, r = (var + eps)^-½ and g = w ⊙ dy:
// dx = r (g - mean(g) - x̂ mean(g ⊙ x̂));  dw += Σ_rows dy ⊙ x̂;  db += Σ_rows dy (null: frozen).
void LayerNormBackward(const float* x, const float* w, float eps, int64_t n, int64_t dim, const float* dy, float* dx,
                       float* dw, float* db);

// y = gelu(x), tanh approximation (the vision MLP).  x, y: [count].
void GeluTanhForward(const float* x, int64_t count, float* y, ThreadPool& pool);
// With t = tanh(c (x + 0.044715 x³)), c = √(2/π):  dx = dy (½(1 + t) + ½ x (1 - t²) c (1 + 3·0.044715 x²)).
void GeluTanhBackward(const float* x, const float* dy, int64_t count, float* dx);

// y = x Φ(x), exact GELU (the projector).
void GeluErfForward(const float* x, int64_t count, float* y);
// dx = dy (Φ(x) + x φ(x)).
void GeluErfBackward(const float* x, const float* dy, int64_t count, float* dx);

// x_i = E[id_i].  E: [vocab, dim], x: [ids.size(), dim].
void EmbeddingForward(const float* table, int64_t dim, std::span<const int32_t> ids, float* x);
// dE[id_i] += dx_i.
void EmbeddingBackward(std::span<const int32_t> ids, const float* dx, int64_t dim, float* dtable);

}  // namespace hm::train
