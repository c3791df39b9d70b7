// NIfTI-1 / NIfTI-2 volumes (.nii, .nii.gz, and .hdr/.img pairs) read the way the reference
// reads them through nibabel's get_fdata(): raw voxel axes, no reorientation, float64 values
// with scl_slope/scl_inter applied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "media/frames.h"
#include "media/volume.h"

namespace hm {

struct NiftiOptions {
  SliceAxis axis = SliceAxis::kAxial;  // the reference's default
  int num_slices = 180;                // the reference loader's default (README uses 160)
};

// True if the file starts like a NIfTI-1/-2 header, plain or gzip-compressed (the gzip case
// is decided by inflating the header). Never throws for unreadable or short files.
bool IsNiftiFile(const std::string& path);

// The whole volume as float64. Scaling follows nibabel: slope 0 or non-finite means none;
// a valid slope with a non-finite intercept is an error. Volumes with fewer than 3 axes gain
// trailing axes of length 1 (the reference fails on them); axes past the third must have
// length 1 (a 4D series is rejected, the reference fails on it too). Throws hm::Error naming
// the file for anything malformed, truncated or unsupported (complex, RGB datatypes).
Volume ReadNiftiVolume(const std::string& path);

// The same for the in-memory content of a single-file .nii or .nii.gz; `what` names it.
Volume ParseNifti(const uint8_t* data, size_t size, const std::string& what);

// ReadNiftiVolume + SliceVolume: num_slices frames along opts.axis, merge size 2.
Frames LoadNifti(const std::string& path, const NiftiOptions& opts = {});

}  // namespace hm
