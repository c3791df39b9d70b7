#include "data/nifti_writer.h"

#include <cstring>

#include "core/error.h"
#include "data/file_bytes.h"

namespace hm {
namespace {

// NIfTI-1 header field offsets (nifti1.h).
constexpr size_t kHeaderSize = 348, kVoxOffset = 352;
constexpr int16_t kDtInt16 = 4;

template <typename T>
void Put(std::vector<uint8_t>& b, size_t offset, T v) {
  std::memcpy(b.data() + offset, &v, sizeof v);
}

}  // namespace

void WriteNifti(const std::string& path, const ScalarVolume& v) {
  HM_CHECK(v.rows >= 1 && v.columns >= 1 && v.slices >= 1 &&
               v.values.size() == static_cast<size_t>(v.rows) * v.columns * v.slices,
           path, ": volume shape does not match its values");
  const size_t n = v.values.size();
  std::vector<uint8_t> b(kVoxOffset + n * 2, 0);
  Put<int32_t>(b, 0, kHeaderSize);
  b[38] = 'r';  // "regular"
  const int16_t dim[8] = {3, static_cast<int16_t>(v.rows), static_cast<int16_t>(v.columns),
                          static_cast<int16_t>(v.slices), 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) Put<int16_t>(b, 40 + 2 * i, dim[i]);
  Put<int16_t>(b, 70, kDtInt16);
  Put<int16_t>(b, 72, 16);  // bitpix
  const float pixdim[8] = {1, static_cast<float>(v.row_spacing_mm), static_cast<float>(v.column_spacing_mm),
                           static_cast<float>(v.slice_thickness_mm), 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) Put<float>(b, 76 + 4 * i, pixdim[i]);
  Put<float>(b, 108, static_cast<float>(kVoxOffset));
  Put<float>(b, 112, 1.0f);  // scl_slope: values are stored as they are
  Put<float>(b, 116, 0.0f);
  b[123] = 2;  // xyzt_units: millimetres
  std::memcpy(&b[148], "hulumed phantom", 15);  // descrip
  // sform (scanner-anatomical code 1): voxel axes row -> y, column -> x, slice -> z.
  Put<int16_t>(b, 254, 1);
  const float srow[12] = {0, pixdim[2], 0, 0, pixdim[1], 0, 0, 0, 0, 0, pixdim[3], 0};
  for (int i = 0; i < 12; ++i) Put<float>(b, 280 + 4 * i, srow[i]);
  std::memcpy(&b[344], "n+1", 4);
  // Voxel (row, column, slice) lives at row + rows * (column + columns * slice): axis 0 fastest.
  uint8_t* out = b.data() + kVoxOffset;
  for (int k = 0; k < v.slices; ++k) {
    for (int c = 0; c < v.columns; ++c) {
      for (int r = 0; r < v.rows; ++r) {
        const int16_t value = v.at(k, r, c);
        std::memcpy(out, &value, 2);
        out += 2;
      }
    }
  }
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  WriteFileBytes(path, gz ? GzipBytes(b) : b);
}

}  // namespace hm
