// NIfTI bytes from users (.nii or .nii.gz content): header checks, inflation, scaling, slicing.
#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "media/nifti.h"
#include "media/volume.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const hm::Volume v = hm::ParseNifti(data, size, "fuzz");
    const auto axis = static_cast<hm::SliceAxis>(size % 3);
    hm::SliceVolume(v, axis, static_cast<int>(size % 7) + 1, "fuzz");
  } catch (const hm::Error&) {
  }
  return 0;
}
