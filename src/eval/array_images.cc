#include "eval/array_images.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <unistd.h>

#include "core/error.h"
#include "data/png_writer.h"
#include "eval/jsonl.h"
#include "media/nifti.h"
#include "media/volume.h"
#include "runtime/media_request.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;

std::string WriteOnce(const std::string& png_path, const Image& image) {
  if (fs::exists(png_path)) return png_path;
  fs::create_directories(fs::path(png_path).parent_path());
  const std::string temporary = png_path + ".part" + std::to_string(getpid());  // loaders may race (ctest -j)
  WritePng(temporary, image);
  fs::rename(temporary, png_path);
  return png_path;
}

}  // namespace

std::string WriteArrayImageOnce(const NpyArray& images, int64_t index, const std::string& png_path,
                                const std::string& where) {
  const auto& s = images.shape;
  const bool rgb = s.size() == 4 && s[3] == 3;
  HM_CHECK(images.dtype == DType::kU8 && (s.size() == 3 || rgb), where,
           ": expected uint8 images shaped (N, H, W) or (N, H, W, 3)");
  HM_CHECK(index >= 0 && index < s[0], where, ": no image ", index, " (it holds ", s[0], ")");
  Image image;
  image.height = static_cast<int>(s[1]);
  image.width = static_cast<int>(s[2]);
  const size_t pixels = static_cast<size_t>(image.width) * image.height;
  const uint8_t* src = images.bytes.data() + static_cast<size_t>(index) * pixels * (rgb ? 3 : 1);
  image.rgb.resize(pixels * 3);
  for (size_t p = 0; p < pixels; ++p)
    for (size_t c = 0; c < 3; ++c) image.rgb[p * 3 + c] = rgb ? src[p * 3 + c] : src[p];
  return WriteOnce(png_path, image);
}

namespace {

// A float volume .npy shaped (D, H, W) or (1, D, H, W), values 0..1, as D gray images.
std::vector<Image> NpySlices(const std::string& npy_path) {
  const NpyArray volume = ReadNpy(npy_path);
  const auto& s = volume.shape;
  HM_CHECK(s.size() == 3 || (s.size() == 4 && s[0] == 1), npy_path,
           ": expected a volume shaped (D, H, W) or (1, D, H, W)");
  HM_CHECK(volume.dtype == DType::kF32 || volume.dtype == DType::kF64 || volume.dtype == DType::kF16, npy_path,
           ": expected a float volume (values 0..1)");
  const std::vector<float> values = volume.ToF32();
  const size_t rows = static_cast<size_t>(s[s.size() - 2]), columns = static_cast<size_t>(s[s.size() - 1]);
  std::vector<Image> slices(static_cast<size_t>(s[s.size() - 3]));
  for (size_t d = 0; d < slices.size(); ++d) {
    Image& image = slices[d];
    image.height = static_cast<int>(rows);
    image.width = static_cast<int>(columns);
    image.rgb.resize(rows * columns * 3);
    const float* src = values.data() + d * rows * columns;
    for (size_t p = 0; p < rows * columns; ++p) {
      const float v = std::isfinite(src[p]) ? std::clamp(src[p], 0.0f, 1.0f) : 0.0f;
      image.rgb[p * 3] = image.rgb[p * 3 + 1] = image.rgb[p * 3 + 2] = static_cast<uint8_t>(std::lround(v * 255.0f));
    }
  }
  return slices;
}

}  // namespace

std::string UnpackVolumeOnce(const std::string& path, const std::string& folder) {
  const fs::path done = folder + ".unpacked";  // beside the folder: its files are all frames
  if (fs::exists(done)) return folder;
  std::vector<Image> slices;
  if (fs::path(path).extension() == ".npy") {
    slices = NpySlices(path);
  } else {
    // Every axial slice up to `run`'s default count, sampled as it samples (never repeated).
    const Volume volume = ReadNiftiVolume(path);
    const int64_t depth = volume.shape[static_cast<int>(SliceAxis::kAxial)];
    const auto axial = static_cast<int>(std::min<int64_t>(depth, kDefaultSlices));
    slices = SliceVolume(volume, SliceAxis::kAxial, axial, path.c_str()).images;
  }
  for (size_t d = 0; d < slices.size(); ++d) {
    char name[32];
    std::snprintf(name, sizeof name, "%03zu.png", d);
    WriteOnce((fs::path(folder) / name).string(), slices[d]);
  }
  WriteTextFile(done.string(), "");
  return folder;
}

std::string WithoutVolumeExtension(const std::string& path) {
  for (const std::string ext : {".nii.gz", ".nii", ".npy"})
    if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
      return path.substr(0, path.size() - ext.size());
  return path;
}

std::string VolumeSliceFolder(const std::string& file) {
  const std::string folder = WithoutVolumeExtension(file);
  if (fs::is_regular_file(file)) return UnpackVolumeOnce(file, folder);
  return fs::is_directory(folder) ? folder : "";
}

}  // namespace hm::eval
