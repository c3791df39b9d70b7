// NIfTI-1 output (.nii, or .nii.gz when the path ends in .gz) of a generated volume, laid out so
// that the engine's reader (media/nifti.h) slices it as displayed: voxel axes (row, column,
// slice), so axial slice k read back is ScalarVolume slice k. int16 voxels, no scaling.
#pragma once

#include <string>

#include "data/scalar_volume.h"

namespace hm {

void WriteNifti(const std::string& path, const ScalarVolume& volume);

}  // namespace hm
