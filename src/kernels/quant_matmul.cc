// Integer dot products for block-quantized weights. Every format is read as 32-value groups
// w = sw * u - c with small integers u (int8 for Q8_0, nibbles 0..15 for the Q4 formats), so
// against activations a = da * q one group contributes sw * da * sum(u q) - c * (da * sum q).
// The portable Highway path widens to int16 pairs (pmaddwd); the AVX-512 VNNI path feeds
// unsigned weights and signed activations straight to vpdpbusd, 64 values at a time; AVX2
// and plain AVX-512 use vpmaddubsw + vpmaddwd (GemmHalf, RowDotsMaddubs).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/quant_matmul.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "core/dtype.h"
#include "kernels/quant.h"
#include "kernels/quant_matmul.h"

#if HWY_ARCH_X86
#include <immintrin.h>
#endif

#ifndef HM_KERNELS_QUANT_MATMUL_ONCE
#define HM_KERNELS_QUANT_MATMUL_ONCE
namespace hm::kernels {
namespace {

// A block's f16 scale as f32, inline: tile packing and the Q4_K dots convert one per 32
// weights, and the out-of-line F16ToF32 call with its subnormal branch showed at the top of
// decode profiles. Subnormal scales (common for Q4_K mins) are built from their integer
// mantissa: rebiasing them with a float multiply fed the FPU denormals, whose microcode
// assists made Q4_K decode three times slower than Q4_0.
inline float ScaleToF32(uint16_t h) {
  const uint32_t exp = h & 0x7c00u, man = h & 0x3ffu;
  float f;
  if (exp == 0) {
    f = static_cast<float>(man) * 0x1p-24f;
  } else {
    const uint32_t bits = exp == 0x7c00u ? 0x7f800000u | (man << 13) : (uint32_t{h & 0x7fffu} << 13) + (112u << 23);
    std::memcpy(&f, &bits, 4);
  }
  return h & 0x8000u ? -f : f;
}

// Tokens sharing one unpacked weight block.
constexpr int kTokens = 4;

// One weight block as groups of 32.
struct Groups {
  alignas(64) int8_t u[256];
  float sw[8];
  float c[8];
  int count;
};

// Eight bytes at a time: stored byte by byte, Q4_0's nibbles reached the dot's vector load
// through GCC's store forwarding as 32 separate byte inserts (decode at 1 GB/s).
inline void UnpackNibbles(const uint8_t* qs, int n, int8_t* lo, int8_t* hi) {
  constexpr uint64_t kLow = 0x0f0f0f0f0f0f0f0full;
  for (int l = 0; l < n; l += 8) {
    uint64_t w;
    std::memcpy(&w, qs + l, 8);
    const uint64_t l8 = w & kLow, h8 = (w >> 4) & kLow;
    std::memcpy(lo + l, &l8, 8);
    std::memcpy(hi + l, &h8, 8);
  }
}

inline void Unpack(BlockType t, const uint8_t* p, Groups* g) {
  switch (t) {
    case BlockType::kQ8_0: {
      const auto* b = reinterpret_cast<const BlockQ8_0*>(p);
      std::memcpy(g->u, b->qs, 32);
      g->sw[0] = ScaleToF32(b->d);
      g->c[0] = 0.0f;
      g->count = 1;
      break;
    }
    case BlockType::kQ4_0: {
      const auto* b = reinterpret_cast<const BlockQ4_0*>(p);
      UnpackNibbles(b->qs, 16, g->u, g->u + 16);
      g->sw[0] = ScaleToF32(b->d);
      g->c[0] = 8.0f * g->sw[0];
      g->count = 1;
      break;
    }
    default: {
      const auto* b = reinterpret_cast<const BlockQ4_K*>(p);
      const float d = ScaleToF32(b->d), dmin = ScaleToF32(b->dmin);
      for (int c = 0; c < 4; ++c) UnpackNibbles(b->qs + 32 * c, 32, g->u + 64 * c, g->u + 64 * c + 32);
      for (int j = 0; j < 8; ++j) {
        uint8_t sc, m;
        Q4KScaleMin(b->scales, j, &sc, &m);
        g->sw[j] = d * sc;
        g->c[j] = dmin * m;
      }
      g->count = 8;
    }
  }
}

}  // namespace
}  // namespace hm::kernels
#endif  // HM_KERNELS_QUANT_MATMUL_ONCE

// For the VNNI kernels below. This Highway's AVX3_DL target string lacks VNNI and VBMI, and
// under clang an explicit target attribute replaces the namespace-wide one, so it names the
// whole set.
#ifndef HM_AVX3_DL_ATTR
#define HM_AVX3_DL_ATTR __attribute__((target(HWY_TARGET_STR ",avx512vnni,avx512vbmi")))
#endif

HWY_BEFORE_NAMESPACE();
namespace hm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// From this many tokens on, AVX2 and better pack weight tiles once per call (GemmRows)
// rather than run the decode dots in blocks of kTokens, which pass over the weights twice
// from five tokens. With VNNI, and for Q4_K (whose dots cost the most per token), packing
// wins from five: bench_decode_matmul's M=6 took 0.73-0.91 of the dots' CPU time. AVX2's
// Q4_0 and Q8_0 dots stay ahead up to seven (packed, M=6 took 1.03-1.18 of their time).
HWY_INLINE int64_t GemmMinTokens(BlockType t) { return HWY_TARGET == HWY_AVX3_DL || t == BlockType::kQ4_K ? 5 : 8; }

// sum(u[i] * q[i]) over 32 int8 values.
HWY_INLINE int32_t Dot32(const int8_t* u, const int8_t* q) {
  const hn::CappedTag<int16_t, 32> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<int8_t, decltype(d16)> d8;
  const size_t N = hn::Lanes(d16);
  auto s0 = hn::Zero(d32), s1 = hn::Zero(d32);
  for (size_t i = 0; i < 32; i += N)
    s0 = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(d8, u + i)),
                                       hn::PromoteTo(d16, hn::LoadU(d8, q + i)), s0, s1);
  return hn::GetLane(hn::SumOfLanes(d32, hn::Add(s0, s1)));
}

// out[k] = row . token (t0 + k) for k < nt.
void RowDotsPortable(BlockType t, const uint8_t* row, const QuantizedActs& a, int64_t t0, int nt,
                     float* out) {
  const int64_t bv = BlockValues(t);
  const size_t bb = BlockBytes(t);
  const int64_t gpr = a.cols / 32;
  Groups g;
  float acc[kTokens] = {};
  for (int64_t blk = 0; blk < a.cols / bv; ++blk) {
    Unpack(t, row + blk * bb, &g);
    for (int k = 0; k < nt; ++k) {
      const int64_t base = (t0 + k) * gpr + blk * g.count;
      const int8_t* q = a.q + (t0 + k) * a.cols + blk * bv;
      for (int j = 0; j < g.count; ++j)
        acc[k] += g.sw[j] * a.d[base + j] * static_cast<float>(Dot32(g.u + 32 * j, q + 32 * j)) -
                  g.c[j] * a.s[base + j];
    }
  }
  std::copy(acc, acc + nt, out);
}


// Activation scales d and offset terms s spread over the 8 int32 lanes of each 32-value
// group, for the AVX-512 VNNI decode dots below (empty elsewhere: the other paths read d, s).
struct SpreadActs {
  std::vector<float> d, s;  // [n][groups * 8]
};

SpreadActs Spread(const QuantizedActs& a, float off) {
  const int64_t gpr = a.cols / 32;
  SpreadActs sp;
  sp.d.resize(static_cast<size_t>(a.n * gpr * 8));
  sp.s.resize(sp.d.size());
  for (int64_t i = 0; i < a.n * gpr; ++i)
    for (int l = 0; l < 8; ++l) {
      sp.d[i * 8 + l] = a.d[i];
      sp.s[i * 8 + l] = a.s[i] * off / 8;
    }
  return sp;
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
// The decode dots (RowDotsSpread, RowDotsQ4K, RowDotsMaddubs) walk R rows side by side.
constexpr int64_t kPrefetchBytes = 1024;

// Where row r of a group of R rows prefetches: decode is a pure weight stream and the
// hardware prefetcher alone left it latency-bound. A lone row looks kPrefetchBytes ahead; in
// a group each row fetches the same place in its counterpart of the next group, so together
// they stream the next R rows. (Looking ahead within each row instead left the 2 KB gate/up
// rows as four short streams the hardware never ramped up on: half speed.)
template <int R>
HWY_INLINE const char* PrefetchTarget(const uint8_t* rows, size_t row_bytes, int r) {
  return reinterpret_cast<const char*>(rows + (R > 1 ? (r + R) * row_bytes : kPrefetchBytes));
}

// Rows sharing activation loads in the decode dots, at every token count: with 3-4 tokens,
// 4 rows instead of 2 took 0.68-0.97 of the M=4 time on VNNI (0.95-1.00 on AVX2, whose
// accumulators then partly spill).
constexpr int kDotRows = 4;
#endif

#if HWY_TARGET == HWY_AVX3_DL
// Decode path for Q8_0 / Q4_0, whose offset is a fixed multiple of the scale (c = off * sw):
// each block's contribution sw * (da * sum(u q) - off * s) is split over the 8 int32 lanes
// its 32 values occupy in a vpdpbusd result as sw * (da * lane - off / 8 * s), with da and
// off / 8 * s spread over those lanes once per call. A step is then one dpbusd, one
// convert, two FMAs and a hardware f16 convert of both scales -- no scalar work per block.
// The weights of one 64-value step (two Q8_0 / Q4_0 blocks) as vpdpbusd's unsigned operand,
// plus their two scales, each covering the 8 lanes its block occupies.
struct PairWeights {
  __m512i w;
  __m512 sw;
};
template <BlockType T>
HM_AVX3_DL_ATTR HWY_INLINE PairWeights LoadPair(const uint8_t* p) {
  if constexpr (T == BlockType::kQ8_0) {
    const auto* b = reinterpret_cast<const BlockQ8_0*>(p);
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[0].qs));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[1].qs));
    return {_mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), _mm512_set1_epi8(static_cast<char>(0x80))),
            _mm512_cvtph_ps(_mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16(static_cast<short>(b[0].d))),
                                                    _mm_set1_epi16(static_cast<short>(b[1].d)), 1))};
  } else {
    // Both Q4_0 blocks (36 bytes) in one masked load, which cannot fault past a row's end.
    // One byte permute puts each block's 16 nibble bytes twice in a row, a per-word shift
    // exposes the high nibbles in the second copy, and a word permute gathers the scales:
    // four shuffle-class instructions where building from halves took eight.
    const __m512i raw = _mm512_maskz_loadu_epi8((1ull << 36) - 1, p);
    alignas(64) static constexpr uint8_t kBytes[64] = {
        2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 2,  3,  4,  5,  6,  7,
        8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
        32, 33, 34, 35, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35};
    alignas(64) static constexpr uint16_t kShift[32] = {0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4,
                                                        0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4};
    alignas(64) static constexpr uint16_t kScales[32] = {0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9,
                                                         0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9};
    const __m512i nib = _mm512_permutexvar_epi8(_mm512_load_si512(kBytes), raw);
    return {_mm512_and_si512(_mm512_srlv_epi16(nib, _mm512_load_si512(kShift)), _mm512_set1_epi8(15)),
            _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi16(_mm512_load_si512(kScales), raw)))};
  }
}

// out[r * NT + k] = row r . token (t0 + k). R rows share every activation load: on the
// 18944-wide down projection the activations and their spreads (57 KB) outgrow L1, and
// one row at a time pulled them from L2 once per 10 KB row.
template <BlockType T, int NT, int R>
HM_AVX3_DL_ATTR void RowDotsSpread(const uint8_t* rows, size_t row_bytes,
                                                                     const QuantizedActs& a, const SpreadActs& sp,
                                                                     int64_t t0, float* out) {
  const int64_t gpr = a.cols / 32, lanes = gpr * 8;
  // Plain locals: reading through `a` and `sp` in the loop made GCC reload them every step.
  const int8_t* q0 = a.q + t0 * a.cols;
  const float* d0 = sp.d.data() + t0 * lanes;
  const float* s0 = sp.s.data() + t0 * lanes;
  const int64_t cols = a.cols;
  __m512 acc[R * NT];  // [r * NT + k]
  for (int i = 0; i < R * NT; ++i) acc[i] = _mm512_setzero_ps();
  const size_t bb = BlockBytes(T);
  for (int64_t g = 0; g < gpr; g += 2) {
    PairWeights pw[R];
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(PrefetchTarget<R>(rows, row_bytes, r) + g * bb, _MM_HINT_T0);
      pw[r] = LoadPair<T>(rows + r * row_bytes + g * bb);
    }
    for (int k = 0; k < NT; ++k) {
      const __m512i q = _mm512_loadu_si512(q0 + k * cols + g * 32);
      const __m512 d = _mm512_loadu_ps(d0 + k * lanes + g * 8);
      const __m512 s = _mm512_loadu_ps(s0 + k * lanes + g * 8);
      for (int r = 0; r < R; ++r) {
        const __m512 lane = _mm512_fmsub_ps(d, _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), pw[r].w, q)), s);
        acc[r * NT + k] = _mm512_fmadd_ps(pw[r].sw, lane, acc[r * NT + k]);
      }
    }
  }
  for (int i = 0; i < R * NT; ++i) out[i] = _mm512_reduce_add_ps(acc[i]);
}

// Q4_K: scale and offset differ per 32-value sub-block and the offset (dmin * m) is not a
// multiple of the scale, so the activations are spread with off = 1 (s / 8 per lane) and
// both terms are applied per lane. A block's eight scales and offsets become float vectors
// once; each 64-value step picks its two sub-blocks' with one permute each.
template <int NT, int R>
HM_AVX3_DL_ATTR void RowDotsQ4K(const uint8_t* rows, size_t row_bytes, const QuantizedActs& a,
                                                       const SpreadActs& sp, int64_t t0, float* out) {
  const int64_t gpr = a.cols / 32, lanes = gpr * 8;
  const __m512i nib = _mm512_set1_epi8(15);
  __m512 acc[R][NT];
  for (int r = 0; r < R; ++r)
    for (int k = 0; k < NT; ++k) acc[r][k] = _mm512_setzero_ps();
  for (int64_t blk = 0; blk < gpr / 8; ++blk) {
    __m512 sw8[R], c8[R];
    for (int r = 0; r < R; ++r) {
      const BlockQ4_K* b = reinterpret_cast<const BlockQ4_K*>(rows + r * row_bytes) + blk;
      // A block spans three cache lines: prefetch each of them.
      const char* ahead = PrefetchTarget<R>(rows, row_bytes, r) + blk * sizeof(BlockQ4_K);
      for (int line = 0; line < 3; ++line) _mm_prefetch(ahead + 64 * line, _MM_HINT_T0);
      // Q4KScaleMin for all eight sub-blocks at once, four bytes per word, staying in
      // registers (bytes stored one by one and reloaded as a vector stalled on store forwarding).
      uint32_t s[3];
      std::memcpy(s, b->scales, 12);
      const uint64_t sc = (s[0] & 0x3f3f3f3fu) |
                          uint64_t{(s[2] & 0x0f0f0f0fu) | (((s[0] >> 6) & 0x03030303u) << 4)} << 32;
      const uint64_t mn = (s[1] & 0x3f3f3f3fu) |
                          uint64_t{((s[2] >> 4) & 0x0f0f0f0fu) | (((s[1] >> 6) & 0x03030303u) << 4)} << 32;
      sw8[r] = _mm512_mul_ps(_mm512_set1_ps(ScaleToF32(b->d)),
                             _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(sc)))));
      c8[r] = _mm512_mul_ps(_mm512_set1_ps(ScaleToF32(b->dmin)),
                            _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(mn)))));
    }
    for (int c = 0; c < 4; ++c) {
      // 32 bytes of nibbles hold sub-blocks 2c (low) and 2c + 1 (high): 64 contiguous values.
      const __m512i idx = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi32(2 * c)), _mm256_set1_epi32(2 * c + 1), 1);
      __m512i w[R];
      __m512 swv[R], cv[R];
      for (int r = 0; r < R; ++r) {
        const BlockQ4_K* b = reinterpret_cast<const BlockQ4_K*>(rows + r * row_bytes) + blk;
        const __m256i qs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 32 * c));
        w[r] = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(qs), _mm256_srli_epi16(qs, 4), 1), nib);
        swv[r] = _mm512_permutexvar_ps(idx, sw8[r]);
        cv[r] = _mm512_permutexvar_ps(idx, c8[r]);
      }
      const int64_t g = 8 * blk + 2 * c;
      for (int k = 0; k < NT; ++k) {
        const int64_t tok = t0 + k;
        const __m512i q = _mm512_loadu_si512(a.q + tok * a.cols + g * 32);
        const __m512 d = _mm512_loadu_ps(sp.d.data() + tok * lanes + g * 8);
        const __m512 s = _mm512_loadu_ps(sp.s.data() + tok * lanes + g * 8);
        for (int r = 0; r < R; ++r) {
          const __m512 lane = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), w[r], q)));
          acc[r][k] = _mm512_fnmadd_ps(cv[r], s, _mm512_fmadd_ps(swv[r], lane, acc[r][k]));
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int k = 0; k < NT; ++k) out[r * NT + k] = _mm512_reduce_add_ps(acc[r][k]);
}

using RowDotsSpreadFn = void (*)(const uint8_t*, size_t, const QuantizedActs&, const SpreadActs&, int64_t, float*);
// [tokens][0 for one row, 1 for kDotRows rows]
template <BlockType T>
constexpr RowDotsSpreadFn kRowDotsSpread[kTokens + 1][2] = {
    {nullptr, nullptr},
    {RowDotsSpread<T, 1, 1>, RowDotsSpread<T, 1, kDotRows>},
    {RowDotsSpread<T, 2, 1>, RowDotsSpread<T, 2, kDotRows>},
    {RowDotsSpread<T, 3, 1>, RowDotsSpread<T, 3, kDotRows>},
    {RowDotsSpread<T, 4, 1>, RowDotsSpread<T, 4, kDotRows>}};
constexpr RowDotsSpreadFn kRowDotsQ4K[kTokens + 1][2] = {{nullptr, nullptr},
                                                         {RowDotsQ4K<1, 1>, RowDotsQ4K<1, kDotRows>},
                                                         {RowDotsQ4K<2, 1>, RowDotsQ4K<2, kDotRows>},
                                                         {RowDotsQ4K<3, 1>, RowDotsQ4K<3, kDotRows>},
                                                         {RowDotsQ4K<4, 1>, RowDotsQ4K<4, kDotRows>}};
#endif

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
// Prefill / vision GEMM. A tile of 16 weight rows is unpacked once per call into dot-product
// order -- for each 4 values of K, 4 bytes of each of the 16 rows: one zmm, or two ymm
// halves of 8 rows -- with each group's scales and offsets as 16-float vectors. Every block
// of up to 8 tokens then streams over it: one broadcast activation dword meets a whole
// vector of rows, so weights are unpacked n / 8 times less often than in the decode dots and
// no horizontal sums remain. AVX-512 VNNI multiplies with vpdpbusd; AVX2 and plain AVX-512
// with vpmaddubsw + vpmaddwd on the 8-row halves (GemmHalf).
constexpr int kTileRows = 16;
constexpr int kGemmTokens = 8;
// Q8_0 values are signed. vpdpbusd wants them unsigned: +128, with 128 * sw joining c. The
// maddubs kernels keep them signed and move each weight's sign onto the activation instead,
// because 255 * 127 * 2 overflows vpmaddubsw's int16 sums where 128 * 127 * 2 does not.
constexpr bool kQ8Unsigned = HWY_TARGET == HWY_AVX3_DL;
constexpr float kQ8Offset = kQ8Unsigned ? 128.0f : 0.0f;

struct PackedTile {
  std::vector<uint8_t> u;  // [groups][8][kTileRows][4]; unsigned but for signed Q8_0 (above)
  std::vector<float> sw;   // [groups][kTileRows]
  std::vector<float> c;    // [groups][kTileRows]
};

// The common case of PackTile in registers: 16 full rows (PackGroup below). The scalar path
// spent more time here than GemmTile spent multiplying.
constexpr int64_t kPackPrefetchBytes = 512;

// Bytes of one 32-value group in a row of T blocks.
template <BlockType T>
constexpr int64_t kGroupBytes = static_cast<int64_t>(
    T == BlockType::kQ4_K ? sizeof(BlockQ4_K) / 8 : T == BlockType::kQ4_0 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0));

// The scale and offset (w = sw * u - c) of group G (32 values) of a row. Scales convert
// with F16C: ScaleToF32's sign branch is a coin toss on Q4_0 (whose scale takes the sign of
// the block's peak), which held one-token dots to a third of their speed.
template <BlockType T>
HWY_INLINE void GroupScale(const uint8_t* row, int64_t G, float* sw, float* c) {
  if constexpr (T == BlockType::kQ4_K) {
    const auto* b = reinterpret_cast<const BlockQ4_K*>(row) + G / 8;
    uint8_t sc, m;
    Q4KScaleMin(b->scales, static_cast<int>(G % 8), &sc, &m);
    *sw = _cvtsh_ss(b->d) * sc;
    *c = _cvtsh_ss(b->dmin) * m;
  } else {
    uint16_t h;
    std::memcpy(&h, row + G * kGroupBytes<T>, 2);  // f16 scale, then values
    *sw = _cvtsh_ss(h);
    *c = (T == BlockType::kQ8_0 ? kQ8Offset : 8.0f) * *sw;
  }
}

// Group G of a row as the tile holds it: 32 operand bytes, with its scale and offset.
template <BlockType T>
HWY_INLINE __m256i LoadGroup(const uint8_t* row, int64_t G, float* sw, float* c) {
  GroupScale<T>(row, G, sw, c);
  const __m256i nib = _mm256_set1_epi8(15);
  if constexpr (T == BlockType::kQ4_K) {
    // Sub-block j of a 256-value block: the low or high nibbles of 32 bytes.
    const auto* b = reinterpret_cast<const BlockQ4_K*>(row) + G / 8;
    const int j = static_cast<int>(G % 8);
    const __m256i qs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b->qs + 32 * (j / 2)));
    return _mm256_and_si256(j % 2 ? _mm256_srli_epi16(qs, 4) : qs, nib);
  }
  const uint8_t* blk = row + G * kGroupBytes<T> + 2;
  if constexpr (T == BlockType::kQ8_0) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk));
    return kQ8Unsigned ? _mm256_xor_si256(v, _mm256_set1_epi8(static_cast<char>(0x80))) : v;
  }
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk));
  return _mm256_and_si256(_mm256_inserti128_si256(_mm256_castsi128_si256(b), _mm_srli_epi16(b, 4), 1), nib);
}

// Tile packing: a vector holds 16 bytes (4 dwords) of each of four (AVX-512) or two (AVX2)
// rows, its 128-bit block L holding row 4L + j for the j-th of four such vectors, so a 4x4
// dword transpose inside the blocks yields each dword of 16 or 8 rows in row order. Per 16
// rows and 32 values that is 16 row loads and 16-32 shuffles, where transposing whole
// 32-byte groups took 16 group loads and 48 shuffles (AVX-512 also gathers the f16 scales
// instead of converting them one by one): at M=8, packing was most of a decode step's matmul.
using PackD = hn::ScalableTag<uint8_t>;
constexpr int kPackBlocks = HWY_TARGET <= HWY_AVX3 ? 4 : 2;  // 128-bit blocks per vector

// Block L: 16 bytes at p + 4L * row_bytes.
HWY_INLINE hn::Vec<PackD> LoadRowBlocks(const uint8_t* p, size_t row_bytes) {
  auto load = [&](int lane) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 4 * lane * row_bytes)); };
#if HWY_TARGET <= HWY_AVX3
  // The lane is an immediate: written out, as clang at -O1 does not unroll a loop for it.
  __m512i v = _mm512_castsi128_si512(load(0));
  v = _mm512_inserti32x4(v, load(1), 1);
  v = _mm512_inserti32x4(v, load(2), 2);
  v = _mm512_inserti32x4(v, load(3), 3);
  return hn::Vec<PackD>{v};
#else
  return hn::Vec<PackD>{_mm256_inserti128_si256(_mm256_castsi128_si256(load(0)), load(1), 1)};
#endif
}

// in[j] block L holds dwords 0..3 of row 4L + j; out + s * kTileRows * 4 gets dword s of
// those 4 * kPackBlocks rows.
HWY_INLINE void StoreTransposed4x4Blocks(const hn::Vec<PackD>* in, uint8_t* out) {
  const hn::Repartition<uint32_t, PackD> d32;
  const hn::Repartition<uint64_t, PackD> d64;
  auto u32 = [&](hn::Vec<PackD> v) { return hn::BitCast(d32, v); };
  const auto t0 = hn::BitCast(d64, hn::InterleaveLower(d32, u32(in[0]), u32(in[1])));  // dwords 0, 1
  const auto t1 = hn::BitCast(d64, hn::InterleaveUpper(d32, u32(in[0]), u32(in[1])));  // dwords 2, 3
  const auto t2 = hn::BitCast(d64, hn::InterleaveLower(d32, u32(in[2]), u32(in[3])));
  const auto t3 = hn::BitCast(d64, hn::InterleaveUpper(d32, u32(in[2]), u32(in[3])));
  hn::StoreU(hn::InterleaveLower(d64, t0, t2), d64, reinterpret_cast<uint64_t*>(out));
  hn::StoreU(hn::InterleaveUpper(d64, t0, t2), d64, reinterpret_cast<uint64_t*>(out + kTileRows * 4));
  hn::StoreU(hn::InterleaveLower(d64, t1, t3), d64, reinterpret_cast<uint64_t*>(out + 2 * kTileRows * 4));
  hn::StoreU(hn::InterleaveUpper(d64, t1, t3), d64, reinterpret_cast<uint64_t*>(out + 3 * kTileRows * 4));
}

// Group G of rows j + 4L (block L) as operand bytes: values 0..15 to *lo, 16..31 to *hi.
template <BlockType T>
HWY_INLINE void LoadGroupBlocks(const uint8_t* rows_j, size_t row_bytes, int64_t G, hn::Vec<PackD>* lo,
                                hn::Vec<PackD>* hi) {
  const PackD d8;
  const hn::Repartition<uint16_t, PackD> d16;
  const auto nib = hn::Set(d8, 15);
  auto high_nibbles = [&](hn::Vec<PackD> v) { return hn::And(hn::BitCast(d8, hn::ShiftRight<4>(hn::BitCast(d16, v))), nib); };
  if constexpr (T == BlockType::kQ8_0) {
    const uint8_t* p = rows_j + G * kGroupBytes<T> + 2;
    const auto flip = hn::Set(d8, kQ8Unsigned ? 0x80 : 0);
    *lo = hn::Xor(LoadRowBlocks(p, row_bytes), flip);
    *hi = hn::Xor(LoadRowBlocks(p + 16, row_bytes), flip);
  } else if constexpr (T == BlockType::kQ4_0) {
    const auto raw = LoadRowBlocks(rows_j + G * kGroupBytes<T> + 2, row_bytes);
    *lo = hn::And(raw, nib);
    *hi = high_nibbles(raw);
  } else {
    // Sub-block j of a 256-value block: the low or high nibbles of 32 bytes.
    const int j = static_cast<int>(G % 8);
    const uint8_t* p = rows_j + (G / 8) * sizeof(BlockQ4_K) + offsetof(BlockQ4_K, qs) + 32 * (j / 2);
    const auto a = LoadRowBlocks(p, row_bytes), b = LoadRowBlocks(p + 16, row_bytes);
    *lo = j % 2 ? high_nibbles(a) : hn::And(a, nib);
    *hi = j % 2 ? high_nibbles(b) : hn::And(b, nib);
  }
}

// Group G of the 16 rows at base into the tile, in dot-product order.
template <BlockType T>
HWY_INLINE void PackGroup(const uint8_t* base, size_t row_bytes, int64_t G, PackedTile* tile) {
  uint8_t* dst = tile->u.data() + G * 8 * kTileRows * 4;
  float* sw = &tile->sw[G * kTileRows];
  float* c = &tile->c[G * kTileRows];
  for (int set = 0; set < kTileRows / (4 * kPackBlocks); ++set) {
    const uint8_t* rows = base + set * 4 * kPackBlocks * row_bytes;
    hn::Vec<PackD> lo[4], hi[4];
    for (int j = 0; j < 4; ++j) LoadGroupBlocks<T>(rows + j * row_bytes, row_bytes, G, &lo[j], &hi[j]);
    StoreTransposed4x4Blocks(lo, dst + set * 16 * kPackBlocks);
    StoreTransposed4x4Blocks(hi, dst + 4 * kTileRows * 4 + set * 16 * kPackBlocks);
  }
#if HWY_TARGET <= HWY_AVX3
  if constexpr (T != BlockType::kQ4_K) {
    // The low half of the dword at each row's group is its f16 scale.
    const __m512i rows = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                            _mm512_set1_epi32(static_cast<int>(row_bytes)));
    const __m512 scales = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_i32gather_epi32(rows, base + G * kGroupBytes<T>, 1)));
    _mm512_storeu_ps(sw, scales);
    _mm512_storeu_ps(c, _mm512_mul_ps(scales, _mm512_set1_ps(T == BlockType::kQ4_0 ? 8.0f : kQ8Offset)));
    return;
  }
#endif
  for (int i = 0; i < kTileRows; ++i) GroupScale<T>(base + i * row_bytes, G, &sw[i], &c[i]);
}

template <BlockType T>
void PackFullTile(const Matrix& w, int64_t r0, PackedTile* tile) {
  const int64_t groups = w.cols / 32;
  const size_t row_bytes = RowBytes(T, w.cols);
  tile->u.resize(static_cast<size_t>(groups * 8 * kTileRows * 4));
  tile->sw.resize(static_cast<size_t>(groups * kTileRows));
  tile->c.resize(static_cast<size_t>(groups * kTileRows));
  const uint8_t* base = static_cast<const uint8_t*>(w.data) + r0 * row_bytes;
  for (int64_t G = 0; G < groups; ++G) {
    // Sixteen rows are read side by side, 18-144 bytes at a time: too many short streams
    // for the hardware prefetcher, which left packing stalled on memory (6x the multiply).
    for (int i = 0; i < kTileRows; ++i)
      _mm_prefetch(reinterpret_cast<const char*>(base + i * row_bytes + G * kGroupBytes<T>) + kPackPrefetchBytes,
                   _MM_HINT_T0);
    PackGroup<T>(base, row_bytes, G, tile);
  }
}

// Rows [r0, r0 + nr) of w into tile; rows past nr stay zero (their outputs are dropped).
void PackTile(const Matrix& w, int64_t r0, int64_t nr, PackedTile* tile) {
  const int64_t groups = w.cols / 32, bv = BlockValues(w.blocks);
  const size_t bb = BlockBytes(w.blocks), row_bytes = RowBytes(w.blocks, w.cols);
  tile->u.assign(static_cast<size_t>(groups * 8 * kTileRows * 4), 0);
  tile->sw.assign(static_cast<size_t>(groups * kTileRows), 0.0f);
  tile->c.assign(static_cast<size_t>(groups * kTileRows), 0.0f);
  const bool q8 = w.blocks == BlockType::kQ8_0;
  const uint32_t flip = q8 && kQ8Unsigned ? 0x80808080u : 0u;
  uint32_t* u32 = reinterpret_cast<uint32_t*>(tile->u.data());
  if (nr == kTileRows) {
    if (q8) return PackFullTile<BlockType::kQ8_0>(w, r0, tile);
    if (w.blocks == BlockType::kQ4_0) return PackFullTile<BlockType::kQ4_0>(w, r0, tile);
    return PackFullTile<BlockType::kQ4_K>(w, r0, tile);
  }
  Groups g;
  for (int64_t i = 0; i < nr; ++i) {
    const uint8_t* row = static_cast<const uint8_t*>(w.data) + (r0 + i) * row_bytes;
    for (int64_t blk = 0; blk < w.cols / bv; ++blk) {
      Unpack(w.blocks, row + blk * bb, &g);
      for (int j = 0; j < g.count; ++j) {
        const int64_t G = blk * g.count + j;
        uint32_t words[8];
        std::memcpy(words, g.u + 32 * j, 32);
        for (int s = 0; s < 8; ++s) u32[(G * 8 + s) * kTileRows + i] = words[s] ^ flip;
        tile->sw[G * kTileRows + i] = g.sw[j];
        tile->c[G * kTileRows + i] = g.c[j] + (q8 ? kQ8Offset * g.sw[j] : 0.0f);
      }
    }
  }
}

using GemmTileFn = void (*)(const PackedTile&, const QuantizedActs&, int64_t, float*);

#if HWY_TARGET == HWY_AVX3_DL
// out[k * kTileRows + i] = tile row i . token (t0 + k), k < NT.
template <int NT>
HM_AVX3_DL_ATTR void GemmTile(const PackedTile& tile, const QuantizedActs& a, int64_t t0,
                                                     float* out) {
  const int64_t groups = a.cols / 32;
  __m512 accf[NT];
  for (int k = 0; k < NT; ++k) accf[k] = _mm512_setzero_ps();
  const int8_t* q0 = a.q + t0 * a.cols;
  for (int64_t G = 0; G < groups; ++G) {
    __m512i acci[NT];
    for (int k = 0; k < NT; ++k) acci[k] = _mm512_setzero_si512();
    const uint8_t* ug = tile.u.data() + G * 8 * kTileRows * 4;
    for (int s = 0; s < 8; ++s) {
      const __m512i wv = _mm512_loadu_si512(ug + s * kTileRows * 4);
      for (int k = 0; k < NT; ++k) {
        int32_t qd;
        std::memcpy(&qd, q0 + k * a.cols + G * 32 + s * 4, 4);
        acci[k] = _mm512_dpbusd_epi32(acci[k], wv, _mm512_set1_epi32(qd));
      }
    }
    const __m512 swv = _mm512_loadu_ps(tile.sw.data() + G * kTileRows);
    const __m512 cv = _mm512_loadu_ps(tile.c.data() + G * kTileRows);
    for (int k = 0; k < NT; ++k) {
      const int64_t ag = (t0 + k) * groups + G;
      accf[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acci[k]), _mm512_mul_ps(swv, _mm512_set1_ps(a.d[ag])), accf[k]);
      accf[k] = _mm512_fnmadd_ps(cv, _mm512_set1_ps(a.s[ag]), accf[k]);
    }
  }
  for (int k = 0; k < NT; ++k) _mm512_storeu_ps(out + k * kTileRows, accf[k]);
}

constexpr GemmTileFn kGemmTiles[kGemmTokens + 1] = {nullptr,     GemmTile<1>, GemmTile<2>, GemmTile<3>, GemmTile<4>,
                                                    GemmTile<5>, GemmTile<6>, GemmTile<7>, GemmTile<8>};
GemmTileFn GemmTileFor(BlockType, int nt) { return kGemmTiles[nt]; }
#else
// vpmaddubsw multiplies unsigned weight bytes by signed activation bytes into int16 pairs.
// Q4 nibbles go in as they are (wu = w). Signed Q8_0 weights go in as wu = |w| against
// sign(w) * q, exact since 128 * 127 * 2 < 32768 (w + 128 would reach 255 * 127 * 2).
template <bool kSignedW>
HWY_INLINE __m256i PairProducts(__m256i wu, __m256i w, __m256i q) {
  return _mm256_maddubs_epi16(wu, kSignedW ? _mm256_sign_epi8(q, w) : q);
}

// out[k * kTileRows + i] = tile row 8h + i . token (t0 + k) for the 8 rows of half h, k < NT.
// Q4 pair sums stay in int16 for a whole group -- eight steps add 16 products of at most
// 15 * 127 per lane (30480) -- and are widened once; Q8_0's after every step.
template <bool kSignedW, int NT>
void GemmHalf(const PackedTile& tile, int h, const QuantizedActs& a, int64_t t0, float* out) {
  const int64_t groups = a.cols / 32;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 accf[NT];
  for (int k = 0; k < NT; ++k) accf[k] = _mm256_setzero_ps();
  const int8_t* q0 = a.q + t0 * a.cols;
  for (int64_t G = 0; G < groups; ++G) {
    __m256i acci[NT];  // int16 pairs for Q4, int32 for Q8_0
    for (int k = 0; k < NT; ++k) acci[k] = _mm256_setzero_si256();
    const uint8_t* ug = tile.u.data() + G * 8 * kTileRows * 4 + h * 32;
    // Rolled: unrolled, GCC formed all 32 products of a group first and spilled them.
#pragma GCC unroll 1
    for (int s = 0; s < 8; ++s) {
      const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ug + s * kTileRows * 4));
      const __m256i wu = kSignedW ? _mm256_abs_epi8(wv) : wv;
      for (int k = 0; k < NT; ++k) {
        int32_t qd;
        std::memcpy(&qd, q0 + k * a.cols + G * 32 + s * 4, 4);
        const __m256i qv = _mm256_set1_epi32(qd);
        const __m256i pairs = PairProducts<kSignedW>(wu, wv, qv);
        acci[k] = kSignedW ? _mm256_add_epi32(acci[k], _mm256_madd_epi16(pairs, ones)) : _mm256_add_epi16(acci[k], pairs);
      }
    }
    const __m256 swv = _mm256_loadu_ps(tile.sw.data() + G * kTileRows + h * 8);
    const __m256 cv = _mm256_loadu_ps(tile.c.data() + G * kTileRows + h * 8);
    for (int k = 0; k < NT; ++k) {
      const int64_t ag = (t0 + k) * groups + G;
      const __m256i dot = kSignedW ? acci[k] : _mm256_madd_epi16(acci[k], ones);
      accf[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(swv, _mm256_set1_ps(a.d[ag])), accf[k]);
      if constexpr (!kSignedW) accf[k] = _mm256_fnmadd_ps(cv, _mm256_set1_ps(a.s[ag]), accf[k]);
    }
  }
  for (int k = 0; k < NT; ++k) _mm256_storeu_ps(out + k * kTileRows + h * 8, accf[k]);
}

// Tokens per pass over a tile half: as many as leave the int and float accumulators of each
// in registers (16 ymm on AVX2, 32 on AVX-512).
constexpr int kHalfTokens = HWY_TARGET == HWY_AVX2 ? 4 : 8;

template <bool kSignedW, int NT>
void GemmTile(const PackedTile& tile, const QuantizedActs& a, int64_t t0, float* out) {
  constexpr int first = std::min(NT, kHalfTokens);
  for (int h = 0; h < 2; ++h) {
    GemmHalf<kSignedW, first>(tile, h, a, t0, out);
    if constexpr (NT > first) GemmHalf<kSignedW, NT - first>(tile, h, a, t0 + first, out + first * kTileRows);
  }
}

template <bool kSignedW>
constexpr GemmTileFn kGemmTiles[kGemmTokens + 1] = {
    nullptr,                  GemmTile<kSignedW, 1>, GemmTile<kSignedW, 2>, GemmTile<kSignedW, 3>, GemmTile<kSignedW, 4>,
    GemmTile<kSignedW, 5>, GemmTile<kSignedW, 6>, GemmTile<kSignedW, 7>, GemmTile<kSignedW, 8>};
GemmTileFn GemmTileFor(BlockType t, int nt) {
  return t == BlockType::kQ8_0 ? kGemmTiles<true>[nt] : kGemmTiles<false>[nt];
}

// Decode: out[r * NT + k] = row r . token (t0 + k), k < NT. Each group is loaded once as the
// tile stores it and, per token, its 32 products are summed into 8 int32 lanes and scaled
// there; one horizontal sum per row and token. The portable unpack-and-widen dots took 2-4x
// as long. R rows side by side share each activation load and, with the prefetch, keep
// several independent FMA chains and loads in flight: one row at a time waited on its
// accumulator's latency and on memory.
template <BlockType T, int NT, int R>
void RowDotsMaddubs(const uint8_t* rows, size_t row_bytes, const QuantizedActs& a, int64_t t0, float* out) {
  constexpr bool kSignedW = T == BlockType::kQ8_0;
  const int64_t groups = a.cols / 32;
  const int8_t* q0 = a.q + t0 * a.cols;
  const float* d0 = a.d + t0 * groups;
  const float* s0 = a.s + t0 * groups;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[R * NT];   // [r * NT + k]
  float off[R * NT] = {};  // sums of c * s: zero for signed Q8_0
  for (int i = 0; i < R * NT; ++i) acc[i] = _mm256_setzero_ps();
  for (int64_t G = 0; G < groups; ++G) {
    float sw[R], c[R];
    __m256i w[R];
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(PrefetchTarget<R>(rows, row_bytes, r) + G * kGroupBytes<T>, _MM_HINT_T0);
      w[r] = LoadGroup<T>(rows + r * row_bytes, G, &sw[r], &c[r]);
    }
    for (int k = 0; k < NT; ++k) {
      const __m256i qv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q0 + k * a.cols + G * 32));
      const float da = d0[k * groups + G], sa = s0[k * groups + G];
      for (int r = 0; r < R; ++r) {
        const __m256i pairs = PairProducts<kSignedW>(kSignedW ? _mm256_abs_epi8(w[r]) : w[r], w[r], qv);
        acc[r * NT + k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones)), _mm256_set1_ps(sw[r] * da),
                                          acc[r * NT + k]);
        if constexpr (!kSignedW) off[r * NT + k] += c[r] * sa;
      }
    }
  }
  for (int i = 0; i < R * NT; ++i) {
    __m128 v = _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1));
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    out[i] = _mm_cvtss_f32(_mm_add_ss(v, _mm_movehdup_ps(v))) - off[i];
  }
}

using RowDotsFn = void (*)(const uint8_t*, size_t, const QuantizedActs&, int64_t, float*);
// [tokens][0 for one row, 1 for kDotRows rows]
template <BlockType T>
constexpr RowDotsFn kRowDotsMaddubs[kTokens + 1][2] = {
    {nullptr, nullptr},
    {RowDotsMaddubs<T, 1, 1>, RowDotsMaddubs<T, 1, kDotRows>},
    {RowDotsMaddubs<T, 2, 1>, RowDotsMaddubs<T, 2, kDotRows>},
    {RowDotsMaddubs<T, 3, 1>, RowDotsMaddubs<T, 3, kDotRows>},
    {RowDotsMaddubs<T, 4, 1>, RowDotsMaddubs<T, 4, kDotRows>}};
RowDotsFn RowDotsFor(BlockType t, int nt, int many) {
  return t == BlockType::kQ8_0   ? kRowDotsMaddubs<BlockType::kQ8_0>[nt][many]
         : t == BlockType::kQ4_0 ? kRowDotsMaddubs<BlockType::kQ4_0>[nt][many]
                                 : kRowDotsMaddubs<BlockType::kQ4_K>[nt][many];
}
#endif

// Rows [r0, r1) for all tokens. With several token blocks, up to four tiles are packed
// together and each block passes over all of them while its activations are still in
// L1/L2. A single block (a decode step) multiplies each tile right after packing it, while
// it is still in cache: four packed tiles of the 18944-wide down projection fill 1.5 MB.
void GemmRows(const Matrix& w, const QuantizedActs& a, const float* bias, float* y, int64_t r0, int64_t r1) {
  constexpr int kMaxSuperTiles = 4;
  const int super_tiles = a.n > kGemmTokens ? kMaxSuperTiles : 1;
  PackedTile tiles[kMaxSuperTiles];
  float out[kGemmTokens * kTileRows];
  for (int64_t st = r0; st < r1; st += super_tiles * kTileRows) {
    const int64_t se = std::min(r1, st + super_tiles * kTileRows);
    const int nt_tiles = static_cast<int>((se - st + kTileRows - 1) / kTileRows);
    for (int i = 0; i < nt_tiles; ++i) {
      const int64_t tr = st + i * kTileRows;
      PackTile(w, tr, std::min<int64_t>(kTileRows, se - tr), &tiles[i]);
    }
    for (int64_t t0 = 0; t0 < a.n; t0 += kGemmTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kGemmTokens, a.n - t0));
      const GemmTileFn gemm_tile = GemmTileFor(w.blocks, nt);
      for (int i = 0; i < nt_tiles; ++i) {
        const int64_t tr = st + i * kTileRows;
        const int64_t nr = std::min<int64_t>(kTileRows, se - tr);
        gemm_tile(tiles[i], a, t0, out);
        for (int k = 0; k < nt; ++k)
          for (int64_t r = 0; r < nr; ++r) y[(t0 + k) * w.rows + tr + r] = out[k * kTileRows + r] + (bias ? bias[tr + r] : 0.0f);
      }
    }
  }
}
#endif

// Register-resident integer dots of the kind the kernels above issue; returns the number of
// multiply-adds done (the result is folded into *sink so it cannot be optimised away).
#if HWY_TARGET == HWY_AVX3_DL
HM_AVX3_DL_ATTR int64_t Int8Loop(int64_t iterations, int32_t* sink) {
  __m512i acc[8];
  for (int i = 0; i < 8; ++i) acc[i] = _mm512_set1_epi32(i);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  for (int64_t it = 0; it < iterations; ++it)
    for (int i = 0; i < 8; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
  for (int i = 1; i < 8; ++i) acc[0] = _mm512_add_epi32(acc[0], acc[i]);
  *sink += _mm512_reduce_add_epi32(acc[0]);
  return iterations * 8 * 64;
}
#else
int64_t Int8Loop(int64_t iterations, int32_t* sink) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const auto a = hn::Set(d16, 3), b = hn::Set(d16, -2);
  auto s0 = hn::Zero(d32), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
  for (int64_t it = 0; it < iterations; ++it) {
    s0 = hn::ReorderWidenMulAccumulate(d32, a, b, s0, s1);
    s2 = hn::ReorderWidenMulAccumulate(d32, a, b, s2, s3);
    s4 = hn::ReorderWidenMulAccumulate(d32, a, b, s4, s5);
    s6 = hn::ReorderWidenMulAccumulate(d32, a, b, s6, s7);
  }
  const auto all = hn::Add(hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)), hn::Add(hn::Add(s4, s5), hn::Add(s6, s7)));
  *sink += hn::GetLane(hn::SumOfLanes(d32, all));
  return iterations * 4 * static_cast<int64_t>(hn::Lanes(d16));
}
#endif

// Rows [r0, r1) of y for all tokens. Rows are walked in tiles small enough to stay in L2
// while every token passes over them.
void QuantRows(const Matrix& w, const QuantizedActs& a, const SpreadActs& sp, const float* bias, float* y,
               int64_t r0, int64_t r1) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
  if (a.n >= GemmMinTokens(w.blocks)) return GemmRows(w, a, bias, y, r0, r1);
#endif
  const size_t row_bytes = RowBytes(w.blocks, w.cols);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  constexpr int64_t kRowTile = 16;
  float out[kTokens * 4];
#if HWY_TARGET == HWY_AVX3_DL
  const bool spread = !sp.d.empty();
  // Grouped rows pay off everywhere except one token against Q8_0 rows whose activations
  // (3 bytes per value with their spreads) stay in L1: there one row already streams at the
  // bandwidth roof and extra streams only cost (measured on the 7B gate/up shape: 36 vs 30
  // GB/s). From two tokens on, grouped rows took 0.75-0.88 of the time (bench_decode_matmul).
  const bool lone_q8 = w.blocks == BlockType::kQ8_0 && a.cols * 3 <= 32 * 1024;
#endif
  // out[r * nt + k] for rows [row, row + nr), nr being 1 or kDotRows on x86.
  auto dots = [&](int64_t row, int nr, int64_t t0, int nt) {
    const uint8_t* p = base + row * row_bytes;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2 && HWY_TARGET != HWY_AVX3_DL
    return RowDotsFor(w.blocks, nt, nr > 1 ? 1 : 0)(p, row_bytes, a, t0, out);
#else
#if HWY_TARGET == HWY_AVX3_DL
    const int many = nr > 1 ? 1 : 0;
    if (spread && w.blocks == BlockType::kQ8_0) return kRowDotsSpread<BlockType::kQ8_0>[nt][many](p, row_bytes, a, sp, t0, out);
    if (spread && w.blocks == BlockType::kQ4_0) return kRowDotsSpread<BlockType::kQ4_0>[nt][many](p, row_bytes, a, sp, t0, out);
    if (spread) return kRowDotsQ4K[nt][many](p, row_bytes, a, sp, t0, out);
#endif
    for (int r = 0; r < nr; ++r) RowDotsPortable(w.blocks, p + r * row_bytes, a, t0, nt, out + r * nt);
#endif
  };
  for (int64_t rt = r0; rt < r1; rt += kRowTile) {
    const int64_t re = std::min(r1, rt + kRowTile);
    for (int64_t t0 = 0; t0 < a.n; t0 += kTokens) {
      const int nt = static_cast<int>(std::min<int64_t>(kTokens, a.n - t0));
#if HWY_TARGET == HWY_AVX3_DL
      const int group = spread && !(lone_q8 && nt == 1) ? kDotRows : 1;
#elif HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
      const int group = kDotRows;
#else
      const int group = 1;
#endif
      for (int64_t r = rt; r < re;) {
        const int nr = re - r >= group ? group : 1;
        dots(r, nr, t0, nt);
        for (int i = 0; i < nr; ++i) {
          const float b = bias ? bias[r + i] : 0.0f;
          for (int k = 0; k < nt; ++k) y[(t0 + k) * w.rows + r + i] = out[i * nt + k] + b;
        }
        r += nr;
      }
    }
  }
}

// All rows of y = x W^T, split over the pool. What every chunk shares is prepared here once.
void QuantMatMulRows(const Matrix& w, const QuantizedActs& a, const float* bias, float* y, ThreadPool& pool) {
  SpreadActs sp;
#if HWY_TARGET == HWY_AVX3_DL
  // The decode dots step 64 values: Q8_0 / Q4_0 rows need an even number of blocks (Q4_K
  // always has one); other rows take the portable dots.
  if (a.n < GemmMinTokens(w.blocks) && (a.cols / 32) % 2 == 0)
    sp = Spread(a, w.blocks == BlockType::kQ8_0 ? 128.0f : w.blocks == BlockType::kQ4_0 ? 8.0f : 1.0f);
#endif
  // Whole 64-row super tiles per chunk for the GEMM path, 16-row tiles for the dots.
  pool.ParallelFor(w.rows, a.n >= GemmMinTokens(w.blocks) ? 64 : 16,
                   [&](int64_t r0, int64_t r1) { QuantRows(w, a, sp, bias, y, r0, r1); });
}

}  // namespace HWY_NAMESPACE
}  // namespace hm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <atomic>
#include <chrono>
#include <vector>

#include "core/error.h"

namespace hm::kernels {

HWY_EXPORT(QuantMatMulRows);
HWY_EXPORT(Int8Loop);

double Int8PeakGops(ThreadPool& pool) {
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<int64_t> macs{0};
  pool.ParallelFor(pool.size(), 1, [&](int64_t b, int64_t e) {
    int32_t sink = 0;
    for (int64_t i = b; i < e; ++i) macs += HWY_DYNAMIC_DISPATCH(Int8Loop)(20'000'000, &sink);
    if (sink == 42) macs += 1;  // keeps the loop observable
  });
  return 2.0 * macs.load() / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 1e9;
}

void QuantMatMul(const float* x, int64_t n, const Matrix& w, const float* bias, float* y, ThreadPool& pool) {
  HM_CHECK(w.cols % BlockValues(w.blocks) == 0, "matmul: ", w.cols, " columns are not whole ",
           BlockTypeName(w.blocks), " blocks");
  const int64_t gpr = w.cols / 32;
  // 64 bytes of slack: the VNNI loop reads activations 64 at a time.
  std::vector<int8_t> q(static_cast<size_t>(n * w.cols + 64));
  std::vector<float> d(static_cast<size_t>(n * gpr)), s(static_cast<size_t>(n * gpr));
  pool.ParallelFor(n, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t)
      QuantizeActsRow(x + t * w.cols, w.cols, q.data() + t * w.cols, d.data() + t * gpr, s.data() + t * gpr);
  });
  HWY_DYNAMIC_DISPATCH(QuantMatMulRows)(w, QuantizedActs{n, w.cols, q.data(), d.data(), s.data()}, bias, y, pool);
}

}  // namespace hm::kernels
#endif  // HWY_ONCE
