#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

// Each task owns a range of dx's columns, so tasks never write the same value; a column range
// is whole blocks of a quantized row, so its bytes can be widened on their own.
constexpr int64_t kColumnsPerTask = 256;
constexpr int64_t kRowsPerStrip = 256;  // 256 KB of f32 per strip: BLAS gets a deep enough k

// w[r0 .. r0 + rows, c0 .. c0 + cols] as f32, [rows, cols].
void WidenStrip(const Matrix& w, int64_t r0, int64_t rows, int64_t c0, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    Matrix part = w;  // one row's column range, seen as a 1-row matrix
    part.rows = 1;
    part.cols = cols;
    if (w.blocks != BlockType::kNone)
      part.data = static_cast<const uint8_t*>(w.data) + (r0 + r) * RowBytes(w.blocks, w.cols) +
                  c0 / BlockValues(w.blocks) * BlockBytes(w.blocks);
    else
      part.data = static_cast<const uint8_t*>(w.data) + ((r0 + r) * w.cols + c0) * DTypeSize(w.dtype);
    RowToF32(part, 0, out + r * cols);
  }
}

}  // namespace

void MatMulTransposed(const float* dy, int64_t n, const Matrix& w, float* dx, ThreadPool& pool) {
  if (w.blocks == BlockType::kNone && w.dtype == DType::kF32) {  // dx = dy W directly
    const int64_t tasks = (w.cols + kColumnsPerTask - 1) / kColumnsPerTask;
    pool.ParallelFor(tasks, 1, [&](int64_t t0, int64_t t1) {
      const int64_t c0 = t0 * kColumnsPerTask, c1 = std::min(w.cols, t1 * kColumnsPerTask);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(n), static_cast<blasint>(c1 - c0),
                  static_cast<blasint>(w.rows), 1.0f, dy, static_cast<blasint>(w.rows),
                  static_cast<const float*>(w.data) + c0, static_cast<blasint>(w.cols), 0.0f, dx + c0,
                  static_cast<blasint>(w.cols));
    });
    return;
  }
  const int64_t step = w.blocks == BlockType::kNone ? kColumnsPerTask
                                                    : std::max(kColumnsPerTask, BlockValues(w.blocks));
  const int64_t tasks = (w.cols + step - 1) / step;
  pool.ParallelFor(tasks, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> strip;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t c0 = t * step, cols = std::min(step, w.cols - c0);
      for (int64_t r0 = 0; r0 < w.rows; r0 += kRowsPerStrip) {
        const int64_t rows = std::min(kRowsPerStrip, w.rows - r0);
        strip.resize(static_cast<size_t>(rows * cols));
        WidenStrip(w, r0, rows, c0, cols, strip.data());
        // dx[:, c0 .. c0 + cols] (+)= dy[:, r0 .. r0 + rows] strip
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(n), static_cast<blasint>(cols),
                    static_cast<blasint>(rows), 1.0f, dy + r0, static_cast<blasint>(w.rows), strip.data(),
                    static_cast<blasint>(cols), r0 == 0 ? 0.0f : 1.0f, dx + c0, static_cast<blasint>(w.cols));
      }
    }
  });
}

}  // namespace hm::kernels
