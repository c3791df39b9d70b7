// dX = dY W for every weight format against a double-precision sum over the dequantized rows.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/dtype.h"
#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

struct Case {
  const char* name;
  DType dtype;
  BlockType blocks;
};

TEST(MatMulTransposed, MatchesDequantizedReferenceInEveryFormat) {
  const int64_t rows = 300, cols = 512, n = 5;  // rows: more than one strip, not a multiple of it
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> w(rows * cols), dy(n * rows);
  for (float& v : w) v = dist(rng);
  for (float& v : dy) v = dist(rng);
  ThreadPool pool(2);
  for (const Case& c : {Case{"f32", DType::kF32, BlockType::kNone}, Case{"bf16", DType::kBF16, BlockType::kNone},
                        Case{"f16", DType::kF16, BlockType::kNone}, Case{"q8_0", DType::kF32, BlockType::kQ8_0},
                        Case{"q4_0", DType::kF32, BlockType::kQ4_0}, Case{"q4_k", DType::kF32, BlockType::kQ4_K}}) {
    std::vector<uint8_t> bytes;
    if (c.blocks != BlockType::kNone) {
      bytes.resize(rows * RowBytes(c.blocks, cols));
      for (int64_t r = 0; r < rows; ++r)
        QuantizeRow(c.blocks, w.data() + r * cols, cols, bytes.data() + r * RowBytes(c.blocks, cols));
    } else {
      bytes.resize(rows * cols * DTypeSize(c.dtype));
      for (int64_t i = 0; i < rows * cols; ++i) {
        if (c.dtype == DType::kF32) reinterpret_cast<float*>(bytes.data())[i] = w[i];
        if (c.dtype == DType::kBF16) reinterpret_cast<uint16_t*>(bytes.data())[i] = F32ToBF16(w[i]);
        if (c.dtype == DType::kF16) reinterpret_cast<uint16_t*>(bytes.data())[i] = F32ToF16(w[i]);
      }
    }
    const Matrix m{c.dtype, rows, cols, bytes.data(), c.blocks};
    std::vector<float> widened(rows * cols);
    for (int64_t r = 0; r < rows; ++r) RowToF32(m, r, widened.data() + r * cols);
    std::vector<float> dx(n * cols, NAN);  // overwritten, whatever it held
    MatMulTransposed(dy.data(), n, m, dx.data(), pool);
    double worst = 0;
    for (int64_t t = 0; t < n; ++t)
      for (int64_t col = 0; col < cols; ++col) {
        double want = 0;
        for (int64_t r = 0; r < rows; ++r) want += double{dy[t * rows + r]} * widened[r * cols + col];
        worst = std::max(worst, std::abs(want - dx[t * cols + col]));
      }
    EXPECT_LT(worst, 1e-3) << c.name;
  }
}

}  // namespace
}  // namespace hm::kernels
