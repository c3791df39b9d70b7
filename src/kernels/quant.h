// Block-quantized weight formats, bit-for-bit the GGUF / ggml layouts so files we write run
// in other GGUF tools and theirs run here. Each row of a matrix is a whole number of blocks.
//   Q8_0: 32 values = f16 scale d + 32 int8;           x = d * q
//   Q4_0: 32 values = f16 scale d + 16 bytes of nibbles; x = d * (q - 8); byte l holds
//         value l (low nibble) and value l + 16 (high nibble)
//   Q4_K: 256 values = f16 d, f16 dmin, 12 bytes of 6-bit (scale, min) for 8 sub-blocks of
//         32, 128 bytes of nibbles; x = d * sc_j * q - dmin * m_j. Byte 32c + l holds value
//         64c + l (low nibble) and 64c + 32 + l (high nibble).
// The scalar code here is the reference the SIMD kernels are tested against, and what
// `hulumed quantize` writes with.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hm::kernels {

enum class BlockType : uint8_t { kNone, kQ8_0, kQ4_0, kQ4_K };

struct BlockQ8_0 {
  uint16_t d;  // f16
  int8_t qs[32];
};
struct BlockQ4_0 {
  uint16_t d;  // f16
  uint8_t qs[16];
};
struct BlockQ4_K {
  uint16_t d, dmin;  // f16
  uint8_t scales[12];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_K) == 144);

const char* BlockTypeName(BlockType t);  // "Q8_0", ...
int64_t BlockValues(BlockType t);        // values per block: 32 or 256
size_t BlockBytes(BlockType t);          // bytes per block
// Bytes of one row of `cols` values; cols must be a multiple of BlockValues(t).
size_t RowBytes(BlockType t, int64_t cols);

// One row of `cols` floats to / from blocks. cols must be a multiple of BlockValues(t).
void QuantizeRow(BlockType t, const float* x, int64_t cols, void* out);
void DequantizeRow(BlockType t, const void* row, int64_t cols, float* out);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K block. Inline: GEMM tile packing
// reads eight per 256 weights.
inline void Q4KScaleMin(const uint8_t* s, int j, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = s[j] & 63;
    *m = s[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((s[j + 4] & 15) | ((s[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

// Activations quantized for the integer dot products: per 32 values an f32 scale d, the
// int8 values and s = d * sum(q) (which the Q4 formats' offsets need).
struct QuantizedActs {
  int64_t n = 0, cols = 0;  // cols is a multiple of 32
  int8_t* q = nullptr;      // [n, cols]
  float* d = nullptr;       // [n, cols / 32]
  float* s = nullptr;       // [n, cols / 32]
};
void QuantizeActsRow(const float* x, int64_t cols, int8_t* q, float* d, float* s);

// Scalar reference of one weight row (blocks of type t) dotted with one activation row.
float DotQuantRef(BlockType t, const void* row, const int8_t* q, const float* d, const float* s,
                  int64_t cols);

}  // namespace hm::kernels
