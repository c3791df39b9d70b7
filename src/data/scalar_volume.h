// A generated scalar volume as the writers take it: int16 values (Hounsfield units for CT),
// stored slice by slice, each slice row-major as it is displayed.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace hm {

struct ScalarVolume {
  int rows = 0, columns = 0, slices = 0;
  double row_spacing_mm = 1, column_spacing_mm = 1, slice_thickness_mm = 1;
  // values[(slice * rows + row) * columns + column]
  std::vector<int16_t> values;

  int16_t& at(int slice, int row, int column) {
    return values[(static_cast<size_t>(slice) * rows + row) * columns + column];
  }
  int16_t at(int slice, int row, int column) const {
    return values[(static_cast<size_t>(slice) * rows + row) * columns + column];
  }
};

}  // namespace hm
