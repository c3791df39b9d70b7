// Benchmarks published as pixel arrays or volumes (MedMNIST's .npz, 3D-RAD's .npy and NIfTI
// volumes) reach the model as image files: each image or slice is written once as a PNG beside
// the data, so every backend (in process, any endpoint) gets plain images, as MedUniEval sends.
#pragma once

#include <cstdint>
#include <string>

#include "io/npy.h"

namespace hm::eval {

// Image `index` of a u8 array shaped (N, H, W) (gray) or (N, H, W, 3) (RGB), written to
// `png_path` unless that file is already there; returns `png_path`. The write goes through a
// temporary file and a rename, so a killed run never leaves a torn image. `where` names the
// array in errors (a wrong dtype or shape).
std::string WriteArrayImageOnce(const NpyArray& images, int64_t index, const std::string& png_path,
                                const std::string& where);

// A volume as a folder of gray slice PNGs 000.png, 001.png ... (a slice folder like those
// MedUniEval reads as frames): from a float .npy shaped (D, H, W) or (1, D, H, W) with values
// in 0..1 (3D-RAD's preprocessed CT), or from a NIfTI file, sliced and scaled as `run`
// reads one (axial; every slice, or 180 sampled evenly from more). Done once: a finished
// folder gets a marker <folder>.unpacked beside it, and the volume is not read again.
// Returns `folder`.
std::string UnpackVolumeOnce(const std::string& path, const std::string& folder);

// `path` without its volume extension (.nii.gz, .nii, .npy).
std::string WithoutVolumeExtension(const std::string& path);

// A volume file (NIfTI, or a float .npy in 0..1) as the slice folder beside it named by its
// stem, unpacked on first use; without the file, a slice folder of that name as it is; ""
// when neither exists.
std::string VolumeSliceFolder(const std::string& file);

}  // namespace hm::eval
