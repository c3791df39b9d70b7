#include "media/volume.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hm {

std::vector<int64_t> LinspaceIndices(int64_t n, int64_t count) {
  // numpy.linspace computes i * step + start in double and pins the last value to stop; the
  // int cast truncates. Reproducing the double arithmetic keeps ties like 54.999.. identical.
  std::vector<int64_t> out(static_cast<size_t>(count), 0);
  if (count == 1) return out;
  const double step = static_cast<double>(n - 1) / static_cast<double>(count - 1);
  for (int64_t i = 0; i < count; ++i)
    out[static_cast<size_t>(i)] = static_cast<int64_t>(static_cast<double>(i) * step);
  out.back() = n - 1;
  return out;
}

std::vector<int64_t> SampleSliceIndices(int64_t n, int count) {
  HM_CHECK(n >= 1, "volume has no slices along the chosen axis");
  HM_CHECK(count >= 1 && count <= kMaxSlices, "num_slices must be in [1, ", kMaxSlices, "], got ",
           count);
  return LinspaceIndices(n, count);
}

namespace {

// numpy's float64 -> uint8 cast on x86: truncate to int32 (cvttsd2si), keep the low byte;
// NaN and values outside int32 come out as INT32_MIN, whose low byte is 0.
uint8_t CastToUint8LikeNumpy(double v) {
  if (!(v > -2147483649.0 && v < 2147483648.0)) return 0;
  return static_cast<uint8_t>(static_cast<int32_t>(v));
}

}  // namespace

Frames MapSlices(const Volume& volume, SliceAxis axis, const std::vector<int64_t>& indices,
                 const SliceToGray& to_gray, const char* what) {
  const int a = static_cast<int>(axis);
  HM_CHECK(a >= 0 && a < 3, what, ": slice axis must be 0, 1 or 2");
  const int row_axis = a == 0 ? 1 : 0;
  const int col_axis = a == 2 ? 1 : 2;
  const int64_t rows = volume.shape[row_axis], cols = volume.shape[col_axis];
  HM_CHECK(rows >= 1 && cols >= 1, what, ": empty slice (", rows, " x ", cols, ")");
  HM_CHECK(rows <= INT32_MAX && cols <= INT32_MAX, what, ": slice too large");
  const int64_t count = static_cast<int64_t>(indices.size());
  HM_CHECK(count == 0 || rows * cols <= kMaxFramePixels / count, what, ": ", count, " slices of ",
           rows, "x", cols, " exceed ", kMaxFramePixels, " pixels; request fewer slices");

  Frames frames;
  frames.from_pil = true;
  frames.merge_size = 2;
  frames.images.reserve(indices.size());
  std::vector<double> slice(static_cast<size_t>(rows * cols));
  std::vector<uint8_t> gray(slice.size());
  for (int64_t k : indices) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        slice[r * cols + c] = volume.data[static_cast<size_t>(
            k * volume.strides[a] + r * volume.strides[row_axis] + c * volume.strides[col_axis])];
    to_gray(slice, gray.data());
    Image image;
    image.height = static_cast<int>(rows);
    image.width = static_cast<int>(cols);
    image.rgb.resize(slice.size() * 3);
    for (size_t p = 0; p < slice.size(); ++p)
      image.rgb[p * 3 + 0] = image.rgb[p * 3 + 1] = image.rgb[p * 3 + 2] = gray[p];
    frames.images.push_back(std::move(image));
  }
  return frames;
}

Frames SliceVolume(const Volume& volume, SliceAxis axis, int num_slices, const char* what) {
  const int a = static_cast<int>(axis);
  HM_CHECK(a >= 0 && a < 3, what, ": slice axis must be 0, 1 or 2");
  const std::vector<int64_t> indices = SampleSliceIndices(volume.shape[a], num_slices);
  return MapSlices(volume, axis, indices, [](const std::vector<double>& slice, uint8_t* gray) {
    // numpy's max()/min() propagate NaN, and "NaN > NaN" is false: a slice holding a NaN is
    // cast raw like a constant one.
    double lo = slice[0], hi = slice[0];
    bool has_nan = false;
    for (double v : slice) {
      has_nan |= std::isnan(v);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const bool stretch = !has_nan && hi > lo;
    for (size_t p = 0; p < slice.size(); ++p)
      gray[p] = CastToUint8LikeNumpy(stretch ? (slice[p] - lo) / (hi - lo) * 255.0 : slice[p]);
  }, what);
}

}  // namespace hm
