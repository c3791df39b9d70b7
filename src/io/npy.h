// NumPy .npy files (format 1.0-3.0, little-endian, C order): how goldens reach the tests
// and how --dump-logits hands arrays to Python.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace hm {

struct NpyArray {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // numel * DTypeSize(dtype), C order

  int64_t numel() const;
  // The values converted to float (for float, integer and bool arrays alike).
  std::vector<float> ToF32() const;
};

// Throws hm::Error naming the path for anything but a little-endian C-order array of
// f4/f8/f2/i1/i2/i4/i8/u1/b1.
NpyArray ReadNpy(const std::string& path);
// The same from the bytes of a .npy file (an .npz member); `path` names it in errors.
NpyArray ParseNpy(std::vector<uint8_t> file, const std::string& path);

void WriteNpy(const std::string& path, DType dtype, const std::vector<int64_t>& shape,
              const void* data);

}  // namespace hm
