#include "kernels/quant.h"

#include <algorithm>
#include <cmath>

#include "core/dtype.h"
#include "core/error.h"

namespace hm::kernels {
namespace {

// The scale as the file stores it, so values are rounded against what readers will use.
float StoredScale(float d, uint16_t* out) {
  *out = F32ToF16(d);
  return F16ToF32(*out);
}

void QuantizeQ8_0(const float* x, BlockQ8_0* b) {
  float amax = 0.0f;
  for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = StoredScale(amax / 127.0f, &b->d);
  const float id = d > 0.0f ? 1.0f / d : 0.0f;
  for (int i = 0; i < 32; ++i)
    b->qs[i] = static_cast<int8_t>(std::clamp(std::lround(x[i] * id), -127L, 127L));
}

void QuantizeQ4_0(const float* x, BlockQ4_0* b) {
  // The signed value of largest magnitude maps to -8, the end of the range with one more step.
  float peak = 0.0f;
  for (int i = 0; i < 32; ++i)
    if (std::fabs(x[i]) > std::fabs(peak)) peak = x[i];
  const float d = StoredScale(peak / -8.0f, &b->d);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  auto q = [&](int i) { return static_cast<uint8_t>(std::clamp(std::lround(x[i] * id) + 8, 0L, 15L)); };
  for (int l = 0; l < 16; ++l) b->qs[l] = static_cast<uint8_t>(q(l) | (q(l + 16) << 4));
}

void QuantizeQ4_K(const float* x, BlockQ4_K* b) {
  // Per sub-block an affine fit x ~ scale * q - min over q in [0, 15] with min >= 0, then the
  // eight scales and mins quantized to 6 bits against the block's two f16 factors.
  float scale[8], min[8], max_scale = 0.0f, max_min = 0.0f;
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + 32 * j;
    float lo = 0.0f, hi = 0.0f;
    for (int i = 0; i < 32; ++i) lo = std::min(lo, xs[i]), hi = std::max(hi, xs[i]);
    scale[j] = (hi - lo) / 15.0f;
    min[j] = -lo;
    max_scale = std::max(max_scale, scale[j]);
    max_min = std::max(max_min, min[j]);
  }
  const float d = StoredScale(max_scale / 63.0f, &b->d);
  const float dmin = StoredScale(max_min / 63.0f, &b->dmin);
  uint8_t sc[8], m[8];
  for (int j = 0; j < 8; ++j) {
    // Round the scale up so the sub-block's range stays covered after 6-bit rounding.
    sc[j] = d > 0.0f ? static_cast<uint8_t>(std::clamp(std::ceil(scale[j] / d), 0.0f, 63.0f)) : 0;
    m[j] = dmin > 0.0f ? static_cast<uint8_t>(std::clamp(std::lround(min[j] / dmin), 0L, 63L)) : 0;
  }
  for (int j = 0; j < 4; ++j) {
    b->scales[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    b->scales[j + 4] = static_cast<uint8_t>((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    b->scales[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
  uint8_t q[256];
  for (int j = 0; j < 8; ++j) {
    const float s = d * sc[j], mn = dmin * m[j];
    const float is = s > 0.0f ? 1.0f / s : 0.0f;
    for (int i = 0; i < 32; ++i)
      q[32 * j + i] = static_cast<uint8_t>(std::clamp(std::lround((x[32 * j + i] + mn) * is), 0L, 15L));
  }
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l)
      b->qs[32 * c + l] = static_cast<uint8_t>(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
}

// std::lround for |v| <= 127, inline: the libm call was a visible share of decode. Rounds half
// away from zero exactly (v - trunc(v) is exact), so results match lround bit for bit.
inline int RoundHalfAway(float v) {
  const int t = static_cast<int>(v);
  const float frac = v - static_cast<float>(t);
  return t + (frac >= 0.5f) - (frac <= -0.5f);
}

}  // namespace

const char* BlockTypeName(BlockType t) {
  switch (t) {
    case BlockType::kQ8_0: return "Q8_0";
    case BlockType::kQ4_0: return "Q4_0";
    case BlockType::kQ4_K: return "Q4_K";
    default: return "none";
  }
}

int64_t BlockValues(BlockType t) { return t == BlockType::kQ4_K ? 256 : t == BlockType::kNone ? 1 : 32; }

size_t BlockBytes(BlockType t) {
  switch (t) {
    case BlockType::kQ8_0: return sizeof(BlockQ8_0);
    case BlockType::kQ4_0: return sizeof(BlockQ4_0);
    case BlockType::kQ4_K: return sizeof(BlockQ4_K);
    default: return 0;
  }
}

size_t RowBytes(BlockType t, int64_t cols) {
  return static_cast<size_t>(cols / BlockValues(t)) * BlockBytes(t);
}

void QuantizeRow(BlockType t, const float* x, int64_t cols, void* out) {
  const int64_t bv = BlockValues(t);
  HM_CHECK(t != BlockType::kNone && cols % bv == 0, "quantize: a row of ", cols,
           " values is not a whole number of ", BlockTypeName(t), " blocks");
  for (int64_t i = 0; i < cols / bv; ++i) {
    switch (t) {
      case BlockType::kQ8_0: QuantizeQ8_0(x + i * bv, static_cast<BlockQ8_0*>(out) + i); break;
      case BlockType::kQ4_0: QuantizeQ4_0(x + i * bv, static_cast<BlockQ4_0*>(out) + i); break;
      default: QuantizeQ4_K(x + i * bv, static_cast<BlockQ4_K*>(out) + i); break;
    }
  }
}

void DequantizeRow(BlockType t, const void* row, int64_t cols, float* out) {
  switch (t) {
    case BlockType::kQ8_0:
      for (int64_t i = 0; i < cols / 32; ++i) {
        const BlockQ8_0& b = static_cast<const BlockQ8_0*>(row)[i];
        const float d = F16ToF32(b.d);
        for (int k = 0; k < 32; ++k) out[32 * i + k] = d * b.qs[k];
      }
      break;
    case BlockType::kQ4_0:
      for (int64_t i = 0; i < cols / 32; ++i) {
        const BlockQ4_0& b = static_cast<const BlockQ4_0*>(row)[i];
        const float d = F16ToF32(b.d);
        for (int l = 0; l < 16; ++l) {
          out[32 * i + l] = d * ((b.qs[l] & 15) - 8);
          out[32 * i + l + 16] = d * ((b.qs[l] >> 4) - 8);
        }
      }
      break;
    case BlockType::kQ4_K:
      for (int64_t i = 0; i < cols / 256; ++i) {
        const BlockQ4_K& b = static_cast<const BlockQ4_K*>(row)[i];
        const float d = F16ToF32(b.d), dmin = F16ToF32(b.dmin);
        float* o = out + 256 * i;
        for (int j = 0; j < 8; ++j) {
          uint8_t sc, m;
          Q4KScaleMin(b.scales, j, &sc, &m);
          const int c = j / 2, shift = 4 * (j % 2);
          for (int l = 0; l < 32; ++l) o[32 * j + l] = d * sc * ((b.qs[32 * c + l] >> shift) & 15) - dmin * m;
        }
      }
      break;
    default:
      Fail("dequantize: not a block type");
  }
}

void QuantizeActsRow(const float* x, int64_t cols, int8_t* q, float* d, float* s) {
  for (int64_t b = 0; b < cols / 32; ++b) {
    const float* xb = x + 32 * b;
    float amax = 0.0f;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(xb[i]));
    const float db = amax / 127.0f, id = db > 0.0f ? 1.0f / db : 0.0f;
    int sum = 0;
    for (int i = 0; i < 32; ++i) {
      q[32 * b + i] = static_cast<int8_t>(RoundHalfAway(xb[i] * id));
      sum += q[32 * b + i];
    }
    d[b] = db;
    s[b] = db * static_cast<float>(sum);
  }
}

float DotQuantRef(BlockType t, const void* row, const int8_t* q, const float* d, const float* s,
                  int64_t cols) {
  float total = 0.0f;
  switch (t) {
    case BlockType::kQ8_0:
      for (int64_t i = 0; i < cols / 32; ++i) {
        const BlockQ8_0& b = static_cast<const BlockQ8_0*>(row)[i];
        int sum = 0;
        for (int k = 0; k < 32; ++k) sum += b.qs[k] * q[32 * i + k];
        total += F16ToF32(b.d) * d[i] * static_cast<float>(sum);
      }
      break;
    case BlockType::kQ4_0:
      for (int64_t i = 0; i < cols / 32; ++i) {
        const BlockQ4_0& b = static_cast<const BlockQ4_0*>(row)[i];
        int sum = 0;
        for (int l = 0; l < 16; ++l) sum += (b.qs[l] & 15) * q[32 * i + l] + (b.qs[l] >> 4) * q[32 * i + l + 16];
        total += F16ToF32(b.d) * (d[i] * static_cast<float>(sum) - 8.0f * s[i]);
      }
      break;
    case BlockType::kQ4_K:
      for (int64_t i = 0; i < cols / 256; ++i) {
        const BlockQ4_K& b = static_cast<const BlockQ4_K*>(row)[i];
        const float bd = F16ToF32(b.d), bmin = F16ToF32(b.dmin);
        for (int j = 0; j < 8; ++j) {
          uint8_t sc, m;
          Q4KScaleMin(b.scales, j, &sc, &m);
          const int c = j / 2, shift = 4 * (j % 2);
          const int64_t a = 8 * i + j;
          int sum = 0;
          for (int l = 0; l < 32; ++l) sum += ((b.qs[32 * c + l] >> shift) & 15) * q[32 * a + l];
          total += bd * sc * d[a] * static_cast<float>(sum) - bmin * m * s[a];
        }
      }
      break;
    default:
      Fail("dot: not a block type");
  }
  return total;
}

}  // namespace hm::kernels
