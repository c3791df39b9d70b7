#include "media/resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace hm {
namespace {

// Pillow's fixed point: 8 bits of pixel, 2 of headroom for filter overshoot, 22 of fraction.
constexpr int kPrecisionBits = 32 - 8 - 2;

double BicubicFilter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
constexpr double kBicubicSupport = 2.0;

// Per output pixel: the first contributing input pixel, how many contribute, and their
// fixed-point weights (ksize slots each, unused ones zero).
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;
};

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the whole-image box [0, in_size).
Coeffs PrecomputeCoeffs(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = kBicubicSupport * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    // Pillow rounds with a +0.5 int cast (truncation toward zero), kept as is.
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = BicubicFilter((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    int32_t* w = &c.weights[static_cast<size_t>(xx) * c.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? k[x] / ww : k[x];
      w[x] = static_cast<int32_t>(v < 0 ? -0.5 + v * (1 << kPrecisionBits)
                                        : 0.5 + v * (1 << kPrecisionBits));
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

uint8_t Clip8(int32_t v) {
  // Arithmetic shift floors negatives, like Pillow's lookup-table clip.
  return static_cast<uint8_t>(std::clamp(v >> kPrecisionBits, 0, 255));
}

// One pass along x over rows [row0, row0 + rows) of src.
Image ResampleHorizontal(const Image& src, int width, int row0, int rows) {
  const Coeffs c = PrecomputeCoeffs(src.width, width);
  Image out{width, rows, std::vector<uint8_t>(static_cast<size_t>(width) * rows * 3)};
  for (int y = 0; y < rows; ++y) {
    const uint8_t* in = &src.rgb[static_cast<size_t>(y + row0) * src.width * 3];
    uint8_t* o = &out.rgb[static_cast<size_t>(y) * width * 3];
    for (int xx = 0; xx < width; ++xx) {
      const int32_t* w = &c.weights[static_cast<size_t>(xx) * c.ksize];
      const uint8_t* p = in + static_cast<size_t>(c.first[xx]) * 3;
      int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int x = 0; x < c.count[xx]; ++x) {
        s0 += p[x * 3 + 0] * w[x];
        s1 += p[x * 3 + 1] * w[x];
        s2 += p[x * 3 + 2] * w[x];
      }
      o[xx * 3 + 0] = Clip8(s0);
      o[xx * 3 + 1] = Clip8(s1);
      o[xx * 3 + 2] = Clip8(s2);
    }
  }
  return out;
}

// One pass along y; c holds the vertical coefficients with first rows relative to src.
Image ResampleVertical(const Image& src, const Coeffs& c, int height) {
  const size_t stride = static_cast<size_t>(src.width) * 3;
  Image out{src.width, height, std::vector<uint8_t>(stride * height)};
  // Pillow sums taps innermost per byte; integer sums do not depend on order, so whole rows
  // are accumulated tap by tap instead, which reads memory sequentially and vectorises.
  std::vector<int32_t> acc(stride);
  for (int yy = 0; yy < height; ++yy) {
    const int32_t* w = &c.weights[static_cast<size_t>(yy) * c.ksize];
    std::fill(acc.begin(), acc.end(), 1 << (kPrecisionBits - 1));
    for (int y = 0; y < c.count[yy]; ++y) {
      const uint8_t* row = &src.rgb[static_cast<size_t>(c.first[yy] + y) * stride];
      const int32_t wy = w[y];
      for (size_t i = 0; i < stride; ++i) acc[i] += row[i] * wy;
    }
    uint8_t* o = &out.rgb[yy * stride];
    for (size_t i = 0; i < stride; ++i) o[i] = Clip8(acc[i]);
  }
  return out;
}

}  // namespace

Image ResizeBicubic(const Image& src, int width, int height) {
  HM_CHECK(src.width > 0 && src.height > 0 &&
               src.rgb.size() == static_cast<size_t>(src.width) * src.height * 3,
           "resize: empty or malformed source image");
  HM_CHECK(width > 0 && height > 0, "resize: target size ", width, "x", height,
           " must be positive");
  if (width == src.width && height == src.height) return src;
  if (height == src.height) return ResampleHorizontal(src, width, 0, src.height);

  Coeffs vertical = PrecomputeCoeffs(src.height, height);
  if (width == src.width) return ResampleVertical(src, vertical, height);
  // Like Pillow, run the horizontal pass only over the rows the vertical pass will read.
  const int row0 = vertical.first.front();
  const int row_end = vertical.first.back() + vertical.count.back();
  for (int& f : vertical.first) f -= row0;
  return ResampleVertical(ResampleHorizontal(src, width, row0, row_end - row0), vertical, height);
}

}  // namespace hm
