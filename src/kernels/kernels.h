// The compute interface every model layer goes through. It is deliberately narrow: a few
// dense ops on float32 activations, with weights in whatever dtype the checkpoint stores.
// The CPU backend (kernels.cc) picks the best SIMD level at run time; another backend
// implements these same functions.
#pragma once

#include <cstdint>
#include <string>

#include "core/dtype.h"
#include "core/thread_pool.h"
#include "kernels/quant.h"

namespace hm::kernels {

// A row-major weight matrix used in place (HF Linear layout: [out_features, in_features]).
// Dense (dtype) unless `blocks` names a GGUF block format, in which case each row is
// RowBytes(blocks, cols) bytes of blocks and dtype is unused.
struct Matrix {
  DType dtype = DType::kF32;  // kF32, kBF16 or kF16
  int64_t rows = 0;
  int64_t cols = 0;
  const void* data = nullptr;
  BlockType blocks = BlockType::kNone;
};

// y[t, r] = sum_c x[t, c] * w[r, c] + (bias ? bias[r] : 0).
// x: [n, w.cols], y: [n, w.rows], bias: [w.rows] or null.
void MatMul(const float* x, int64_t n, const Matrix& w, const float* bias, float* y, ThreadPool& pool);

// dx[t, c] = sum_r dy[t, r] * w[r, c]: the input gradient of y = x W^T, for a frozen weight in
// any format (f32, bf16, f16, or quantized blocks). Strips of weight rows are widened to f32
// one at a time, so a quantized model is never dequantized as a whole (LoRA on a GGUF base).
// dy: [n, w.rows], dx: [n, w.cols] (overwritten).
void MatMulTransposed(const float* dy, int64_t n, const Matrix& w, float* dx, ThreadPool& pool);
// Training's backward products on f32 matrices, without transposing them first (row-major):
//   MatMulNN: y[m, n] = a[m, k] b[k, n]           (an input's gradient: dy W)
//   MatMulTN: y[m, n] += a[k, m]ᵀ b[k, n]          (a weight's gradient: dyᵀ x, accumulated)
// Rows of y are split over the pool; one thread makes one call of the BLAS.
void MatMulNN(const float* a, const float* b, int64_t m, int64_t n, int64_t k, float* y, ThreadPool& pool);
void MatMulTN(const float* a, const float* b, int64_t m, int64_t n, int64_t k, float* y, ThreadPool& pool);

// out[c] = w[row, c] as float32 (embedding lookup).
void RowToF32(const Matrix& w, int64_t row, float* out);

// y = x / sqrt(mean(x^2) + eps) * weight, per row of length dim. x: [n, dim]. y may alias x.
void RmsNorm(const float* x, const float* weight, float eps, int64_t n, int64_t dim, float* y);

// y = (x - mean) / sqrt(var + eps) * weight + bias, per row. y may alias x.
void LayerNorm(const float* x, const float* weight, const float* bias, float eps, int64_t n,
               int64_t dim, float* y);

// Rotary embedding, rotate-half pairing (dim i with i + d/2) on each of n_heads heads of one
// token. x: [n_heads, head_dim]; cos, sin: [head_dim] for this token's position.
void RopeRotateHalf(float* x, int n_heads, int head_dim, const float* cos, const float* sin);

// Scaled dot-product attention for n_q queries against n_kv cached keys/values with grouped
// heads (query head h reads kv head h / (n_heads / n_kv_heads)). With causal, query i sees
// keys [0, causal_offset + i]; otherwise all n_kv. Never materialises the score matrix.
// q, out: [n_q, n_heads, head_dim]; keys/values: [n_kv, n_kv_heads, head_dim] with `stride`
// elements between consecutive positions, stored as f32, bf16, or int8 with one f32 scale
// per (position, kv head) (scales [n_kv, n_kv_heads]).
struct AttentionShape {
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  bool causal = true;
  int64_t causal_offset = 0;
};
enum class KvType : uint8_t { kF32, kBF16, kQ8 };
struct KvView {
  KvType type = KvType::kF32;
  const void* k = nullptr;
  const void* v = nullptr;
  int64_t stride = 0;
  const float* k_scale = nullptr;  // kQ8 only
  const float* v_scale = nullptr;
};
void Attention(const float* q, int64_t n_q, const KvView& kv, int64_t n_kv, const AttentionShape& shape,
               float* out, ThreadPool& pool);
// f32 keys and values (the vision encoder's in-frame attention).
void Attention(const float* q, int64_t n_q, const float* k, const float* v, int64_t n_kv,
               int64_t kv_stride, const AttentionShape& shape, float* out, ThreadPool& pool);

// Rows to a KV cache's storage: bf16 rounds to nearest even; kQ8 stores round(x / s) with
// s = max|x| / 127 per head of head_dim values (scales: [n, row / head_dim]).
// x: [n, row] f32.
void StoreKv(KvType type, const float* x, int64_t n, int64_t row, int head_dim, void* dst, float* scales);

// gate[i] = silu(gate[i]) * up[i].
void SiluMul(float* gate, const float* up, int64_t n, ThreadPool& pool);
// x[i] = gelu(x[i]) with the tanh approximation (PyTorch "gelu_pytorch_tanh").
void GeluTanh(float* x, int64_t n, ThreadPool& pool);
// x[i] = gelu(x[i]) exact (erf).
void GeluErf(float* x, int64_t n);
// y[i] += x[i].
void AddInPlace(float* y, const float* x, int64_t n);

// What this machine can do, measured in-process with `pool`'s threads, for roofline ratios:
// streaming-read bandwidth, f32 FMA rate at the active SIMD level, and the integer dot rate
// of the quantized kernels (VNNI where present), each counting a multiply-add as 2 ops.
struct MachinePeaks {
  double bandwidth_gbs = 0;
  double f32_gflops = 0;
  double int8_gops = 0;
};
MachinePeaks MeasureMachine(ThreadPool& pool);
// One timed streaming read of buf[0, n) split over the pool's threads, in GB/s. buf should
// be far larger than the last-level cache and already faulted in.
double StreamReadGbs(const float* buf, int64_t n, ThreadPool& pool);

// The SIMD level in use ("AVX3", "AVX2", "EMU128", ...).
std::string ActiveIsa();
// Restricts dispatch to one level for testing and benchmarking: "scalar", "sse4", "avx2",
// "avx512", "avx512vnni" (AVX-512 with VNNI, Highway's AVX3_DL) or "best". Throws hm::Error if the CPU or build lacks it. Also read from the
// HULUMED_ISA environment variable at first use.
void ForceIsa(const std::string& name);

}  // namespace hm::kernels
