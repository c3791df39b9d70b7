// Turning a 3D scalar volume (NIfTI, DICOM series) into frames the way the reference slices
// NIfTI files: sample slice indices along one axis, min-max each slice to 8 bits, gray -> RGB.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "media/frames.h"

namespace hm {

// A 3D volume indexed like the reference's numpy array: element (i, j, k) is
// data[i * strides[0] + j * strides[1] + k * strides[2]]. Values are float64 because the
// reference slices nibabel's get_fdata() output, so scaling and min-max happen in double.
struct Volume {
  std::array<int64_t, 3> shape{0, 0, 0};
  std::array<int64_t, 3> strides{0, 0, 0};
  std::vector<double> data;
};

enum class SliceAxis { kSagittal = 0, kCoronal = 1, kAxial = 2 };

// Upper bound on num_slices: beyond it a request is a mistake, not a wish (the reference's own
// defaults are 160-180), and it bounds the memory a request can ask for.
inline constexpr int kMaxSlices = 4096;

// Upper bound on the pixels of all slices of one volume together (3 GiB as RGB), so that a
// large volume with a large num_slices fails clearly instead of exhausting memory.
inline constexpr int64_t kMaxFramePixels = int64_t{1} << 30;

// numpy.linspace(0, n - 1, count, dtype=int), the reference's uniform sampling of slices and
// frames: indices repeat when count > n. Requires n >= 1 and count >= 1.
std::vector<int64_t> LinspaceIndices(int64_t n, int64_t count);

// LinspaceIndices for slicing, throwing hm::Error unless n >= 1 and 1 <= count <= kMaxSlices.
std::vector<int64_t> SampleSliceIndices(int64_t n, int count);

// Turns one slice's values (rows * cols, row-major) into rows * cols 8-bit gray levels.
using SliceToGray = std::function<void(const std::vector<double>& slice, uint8_t* gray)>;

// The slices `indices` across `axis`, each mapped through to_gray and made gray RGB. The 2D
// slice keeps the remaining axes in order, so the image height is the first remaining axis.
// Frames are PIL-like, merge size 2, no timestamps. `what` names the source in errors.
Frames MapSlices(const Volume& volume, SliceAxis axis, const std::vector<int64_t>& indices,
                 const SliceToGray& to_gray, const char* what);

// Samples num_slices slices along axis and converts each like the reference: if max > min,
// (v - min) / (max - min) * 255 truncated to uint8, else the raw values cast to uint8 (C-style
// truncation with wrap-around, NaN -> 0), through MapSlices.
Frames SliceVolume(const Volume& volume, SliceAxis axis, int num_slices, const char* what);

}  // namespace hm
