#include "media/nifti.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/npy.h"
#include "media/media_testing.h"

namespace hm {
namespace {

using testing::MediaData;

TEST(LoadNifti, SlicesMatchNibabelAndTheReferenceLoader) {
  int checked = 0;
  for (const auto& [key, shape] : testing::Manifest()["nifti"].items()) {
    SCOPED_TRACE(key);
    // key: <file>.axis<a>.n<count>
    const size_t a = key.rfind(".axis");
    const std::string file = key.substr(0, a);
    const int axis = key[a + 5] - '0';
    const int count = std::stoi(key.substr(key.rfind(".n") + 2));
    const Frames got =
        LoadNifti(MediaData("nifti/" + file), {static_cast<SliceAxis>(axis), count});
    const NpyArray want = ReadNpy(MediaData("golden/nifti/" + key + ".npy"));
    ASSERT_EQ(got.images.size(), static_cast<size_t>(count));
    EXPECT_EQ(got.merge_size, 2);
    EXPECT_TRUE(got.timestamps.empty());
    for (int i = 0; i < count; ++i)
      EXPECT_EQ(testing::CountDiff(got.images[i], testing::NpyImage(want, i, true)), 0) << i;
    ++checked;
  }
  EXPECT_EQ(checked, 36);
}

TEST(LoadNifti, DefaultIs180AxialSlices) {
  const Frames f = LoadNifti(MediaData("nifti/i16_scaled.nii"));
  EXPECT_EQ(f.images.size(), 180u);
  EXPECT_EQ(f.images[0].height, 9);  // first array axis
  EXPECT_EQ(f.images[0].width, 6);
}

TEST(LoadNifti, ScalingIsApplied) {
  const Volume v = ReadNiftiVolume(MediaData("nifti/i16_scaled.nii"));
  EXPECT_EQ(v.data[v.strides[2] * 3], 40 * 2.5 - 10.0);  // the constant slice, scaled
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void ExpectError(const std::vector<uint8_t>& bytes, const std::string& needle) {
  try {
    ParseNifti(bytes.data(), bytes.size(), "input");
    ADD_FAILURE() << "no error, expected: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

template <typename T>
void Put(std::vector<uint8_t>& b, size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof(T));
}

TEST(LoadNifti, BadInputIsAClearError) {
  const std::vector<uint8_t> good = ReadBytes(MediaData("nifti/i16_scaled.nii"));
  ExpectError({}, "not a NIfTI");
  ExpectError(std::vector<uint8_t>(good.begin(), good.begin() + 200), "not a NIfTI");
  ExpectError(std::vector<uint8_t>(good.begin(), good.end() - 1), "truncated");
  std::vector<uint8_t> b = good;
  Put<int16_t>(b, 40 + 2 * 3, 0);  // dim[3] = 0
  ExpectError(b, "dim[3]");
  b = good;
  Put<int16_t>(b, 40, 4);
  Put<int16_t>(b, 40 + 8, 5);  // a 4D series of 5 volumes
  ExpectError(b, "only 3D");
  b = good;
  for (int i = 1; i <= 3; ++i) Put<int16_t>(b, 40 + 2 * i, 32767);  // 3.5e13 voxels
  ExpectError(b, "too large");
  b = good;
  Put<int16_t>(b, 70, 32);  // complex64
  ExpectError(b, "datatype 32");
  b = good;
  Put<float>(b, 108, 0.0f);  // data inside the header
  ExpectError(b, "vox_offset");
  b = good;
  Put<float>(b, 108, 10.0f);  // too small: nibabel (and we) read from 352 instead
  EXPECT_EQ(ParseNifti(b.data(), b.size(), "input").data,
            ParseNifti(good.data(), good.size(), "input").data);
  b = good;
  Put<float>(b, 116, std::numeric_limits<float>::infinity());
  ExpectError(b, "scl_inter");
  // gzip: truncated stream and corrupt deflate data.
  const std::vector<uint8_t> gz = ReadBytes(MediaData("nifti/f32.nii.gz"));
  ExpectError(std::vector<uint8_t>(gz.begin(), gz.begin() + gz.size() / 2), "input");
  b = gz;
  for (size_t i = 40; i < b.size(); i += 7) b[i] ^= 0xff;
  ExpectError(b, "input");
  EXPECT_THROW(LoadNifti(MediaData("nifti/does-not-exist.nii")), Error);
}

TEST(LoadNifti, SliceCountLimits) {
  EXPECT_THROW(LoadNifti(MediaData("nifti/u8_nifti2.nii"), {SliceAxis::kAxial, 0}), Error);
  EXPECT_THROW(LoadNifti(MediaData("nifti/u8_nifti2.nii"), {SliceAxis::kAxial, 4097}), Error);
  EXPECT_EQ(LoadNifti(MediaData("nifti/one_slice.nii"), {SliceAxis::kAxial, 5}).images.size(), 5u);
}

TEST(IsNiftiFile, ByContent) {
  EXPECT_TRUE(IsNiftiFile(MediaData("nifti/f32.nii.gz")));
  EXPECT_TRUE(IsNiftiFile(MediaData("nifti/u8_nifti2.nii")));
  EXPECT_FALSE(IsNiftiFile(MediaData("images/rgb.png")));
  EXPECT_FALSE(IsNiftiFile(MediaData("nifti/does-not-exist.nii")));
}

// The NIfTI files Debian's python3-nibabel ships (installed by scripts/setup.sh): each loads,
// or fails with the reason listed here.
TEST(LoadNifti, NibabelCorpus) {
  const std::string dir = "/usr/lib/python3/dist-packages/nibabel/tests/data/";
  const std::map<std::string, std::string> expected_failures = {
      // 4D series (the reference fails on them too: its 2D slice would be 3D).
      {"example4d.nii.gz", "only 3D"},
      {"example_nifti2.nii.gz", "only 3D"},
      {"functional.nii", "only 3D"},
      {"row_major.dconn.nii", "only 3D"},  // CIFTI-2 dense connectivity, 6 axes
      {"analyze.hdr", "not a NIfTI"},      // Analyze 7.5, no NIfTI magic
      // .hdr/.img pairs whose .img nibabel does not ship (its tests read only the header).
      {"nifti1.hdr", "nifti1.img: cannot open"},
      {"nifti2.hdr", "nifti2.img: cannot open"},
  };
  int loaded = 0, failed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const bool nifti_name = name.ends_with(".nii") || name.ends_with(".nii.gz") ||
                            name.ends_with(".hdr");
    if (!nifti_name) continue;
    SCOPED_TRACE(name);
    auto it = expected_failures.find(name);
    try {
      const Frames f = LoadNifti(entry.path().string(), {SliceAxis::kAxial, 8});
      EXPECT_EQ(f.images.size(), 8u);
      EXPECT_TRUE(it == expected_failures.end()) << "expected to fail";
      ++loaded;
    } catch (const Error& e) {
      ASSERT_TRUE(it != expected_failures.end()) << e.what();
      EXPECT_NE(std::string(e.what()).find(it->second), std::string::npos) << e.what();
      ++failed;
    }
  }
  EXPECT_EQ(loaded, 4);
  // The loadable ones (two big-endian) slice exactly like nibabel + the reference loader.
  for (const auto& name : testing::Manifest()["corpus"]) {
    const std::string n = name.get<std::string>();
    SCOPED_TRACE(n);
    const Frames f = LoadNifti(dir + n, {SliceAxis::kAxial, 8});
    const NpyArray want = ReadNpy(MediaData("golden/corpus/" + n + ".npy"));
    for (int i = 0; i < 8; ++i)
      EXPECT_EQ(testing::CountDiff(f.images[i], testing::NpyImage(want, i, true)), 0) << i;
  }  // anatomical, reoriented/resampled_anat_moved, standard
  EXPECT_EQ(failed, static_cast<int>(expected_failures.size()));
}

}  // namespace
}  // namespace hm
