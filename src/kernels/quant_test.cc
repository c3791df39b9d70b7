// The GGUF block formats: byte layout of hand-made blocks, and quantize/dequantize error
// within each format's step size.
#include "kernels/quant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"

namespace hm::kernels {
namespace {

TEST(Quant, Q4_0LayoutIsLowNibbleFirstHalf) {
  BlockQ4_0 b{};
  b.d = F32ToF16(0.5f);
  b.qs[0] = 0x9F;  // value 0 -> 15, value 16 -> 9
  b.qs[3] = 0x08;  // value 3 -> 8 (zero), value 19 -> 0
  float out[32];
  DequantizeRow(BlockType::kQ4_0, &b, 32, out);
  EXPECT_FLOAT_EQ(out[0], 0.5f * 7);
  EXPECT_FLOAT_EQ(out[16], 0.5f * 1);
  EXPECT_FLOAT_EQ(out[3], 0.0f);
  EXPECT_FLOAT_EQ(out[19], 0.5f * -8);
}

TEST(Quant, Q4_KScalesAndNibbleOrder) {
  BlockQ4_K b{};
  b.d = F32ToF16(1.0f);
  b.dmin = F32ToF16(0.25f);
  // Sub-block 1: scale 2, min 4; sub-block 5: scale 33 (high bits in scales[1]), min 17.
  b.scales[1] = 2 | (2 << 6);   // sc1 = 2, top bits of sc5 = 2
  b.scales[5] = 4 | (1 << 6);   // m1 = 4, top bits of m5 = 1
  b.scales[9] = 1 | (1 << 4);   // low nibbles of sc5 = 1, m5 = 1
  b.qs[0] = 0x30;               // value 32 (sub-block 1, first) -> 3
  b.qs[64 + 5] = 0x07;          // value 128 + 5 (sub-block 4) -> 7
  b.qs[64 + 6] = 0xA0;          // value 160 + 6 (sub-block 5) -> 10
  uint8_t sc, m;
  Q4KScaleMin(b.scales, 5, &sc, &m);
  EXPECT_EQ(sc, 33);
  EXPECT_EQ(m, 17);
  std::vector<float> out(256);
  DequantizeRow(BlockType::kQ4_K, &b, 256, out.data());
  EXPECT_FLOAT_EQ(out[32], 2 * 3 - 0.25f * 4);
  EXPECT_FLOAT_EQ(out[166], 33 * 10 - 0.25f * 17);
}

TEST(Quant, RoundTripWithinStep) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> x(1024), y(1024);
  for (float& v : x) v = dist(rng);
  // Worst-case error relative to the largest |x|: half a step, or a whole one where Q4_0 clamps
  // the end of its range opposite the peak.
  const std::pair<BlockType, float> cases[] = {
      {BlockType::kQ8_0, 0.5f / 127 + 1e-3f}, {BlockType::kQ4_0, 1.0f / 8 + 1e-3f}, {BlockType::kQ4_K, 0.12f}};
  for (auto [bt, tol] : cases) {
    std::vector<uint8_t> packed(RowBytes(bt, 1024));
    QuantizeRow(bt, x.data(), 1024, packed.data());
    DequantizeRow(bt, packed.data(), 1024, y.data());
    float amax = 0;
    for (float v : x) amax = std::max(amax, std::fabs(v));
    double err2 = 0, x2 = 0;
    for (int i = 0; i < 1024; ++i) {
      ASSERT_LE(std::fabs(x[i] - y[i]), tol * amax) << BlockTypeName(bt) << " i " << i;
      err2 += (x[i] - y[i]) * (x[i] - y[i]);
      x2 += x[i] * x[i];
    }
    EXPECT_LT(std::sqrt(err2 / x2), bt == BlockType::kQ8_0 ? 0.01 : 0.12) << BlockTypeName(bt);
  }
}

// Activation quantization rounds half away from zero (std::lround), ties included: a block
// whose max is 127 makes x * 127 / max hit every half-integer exactly.
TEST(Quant, ActivationsRoundHalfAwayFromZero) {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) x[i] = (i == 0) ? 127.0f : static_cast<float>(i - 32) + 0.5f * (i % 2 ? 1 : -1);
  x[32] = -127.0f;
  std::vector<int8_t> q(64);
  float d[2], s[2];
  QuantizeActsRow(x.data(), 64, q.data(), d, s);
  for (int i = 0; i < 64; ++i) EXPECT_EQ(q[i], std::lround(x[i] / d[i / 32])) << "value " << x[i];
}

TEST(Quant, PartialBlockIsAnError) {
  std::vector<float> x(40);
  std::vector<uint8_t> out(64);
  EXPECT_THROW(QuantizeRow(BlockType::kQ8_0, x.data(), 40, out.data()), Error);
}

}  // namespace
}  // namespace hm::kernels
