// Round trips: what the writers produce reads back through the engine's own media readers.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/dicom_writer.h"
#include "data/nifti_writer.h"
#include "data/png_writer.h"
#include "data/video_writer.h"
#include "media/dicom.h"
#include "media/dicom_file.h"
#include "media/image_file.h"
#include "media/nifti.h"
#include "media/video.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

class Writers : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

DicomOptions AllSlices() {
  DicomOptions o;
  o.num_slices = 0;  // every slice once
  return o;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Image Pattern(int w, int h, int shift) {
  Image im{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &im.rgb[(size_t(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 4 + shift);
      p[1] = static_cast<uint8_t>(y * 4);
      p[2] = static_cast<uint8_t>((x ^ y) * 8);
    }
  }
  return im;
}

// A CT-like volume: air outside, soft tissue inside, a bone rim, one value per slice varying.
ScalarVolume CtVolume() {
  ScalarVolume v;
  v.rows = 12, v.columns = 10, v.slices = 5;
  v.row_spacing_mm = 0.8, v.column_spacing_mm = 0.7, v.slice_thickness_mm = 2.5;
  v.values.resize(size_t(v.rows) * v.columns * v.slices);
  for (int k = 0; k < v.slices; ++k) {
    for (int r = 0; r < v.rows; ++r) {
      for (int c = 0; c < v.columns; ++c) {
        v.at(k, r, c) = static_cast<int16_t>(-1000 + 37 * r + 101 * c + 250 * k);
      }
    }
  }
  return v;
}

TEST_F(Writers, PngReadsBackExactly) {
  const Image im = Pattern(13, 7, 3);
  WritePng(Path("a.png"), im);
  const Image back = LoadImageFile(Path("a.png"));
  EXPECT_EQ(back.width, 13);
  EXPECT_EQ(back.height, 7);
  EXPECT_EQ(back.rgb, im.rgb);
  EXPECT_EQ(EncodePng(im), EncodePng(im));
  EXPECT_THROW(EncodePng(Image{4, 4, {}}), Error);
}

TEST_F(Writers, NiftiKeepsValuesAndAxes) {
  const ScalarVolume v = CtVolume();
  for (const char* name : {"v.nii", "v.nii.gz"}) {
    WriteNifti(Path(name), v);
    const Volume back = ReadNiftiVolume(Path(name));
    ASSERT_EQ(back.shape, (std::array<int64_t, 3>{12, 10, 5})) << name;
    for (int k = 0; k < v.slices; ++k) {
      for (int r = 0; r < v.rows; ++r) {
        for (int c = 0; c < v.columns; ++c) {
          const double got = back.data[r * back.strides[0] + c * back.strides[1] + k * back.strides[2]];
          ASSERT_EQ(got, v.at(k, r, c)) << name << " at " << k << "," << r << "," << c;
        }
      }
    }
  }
  WriteNifti(Path("w.nii.gz"), v);
  EXPECT_EQ(ReadAll(Path("v.nii.gz")), ReadAll(Path("w.nii.gz")));  // no timestamp in the gzip
}

TEST_F(Writers, DicomSeriesHasTheTagsAndHounsfieldUnits) {
  const ScalarVolume v = CtVolume();
  DicomSeriesInfo info;
  info.body_part = "ABDOMEN";
  info.study_uid = UidFor("study 1");
  info.series_uid = UidFor("series 1");
  info.origin_mm = {-4, -5, 100};
  info.rescale_intercept = -1024;
  fs::create_directories(Path("ct"));
  const auto files = WriteDicomSeries(Path("ct"), v, info);
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(info.study_uid.rfind("2.25.", 0), 0u);
  EXPECT_LE(info.study_uid.size(), 64u);
  EXPECT_NE(info.study_uid, info.series_uid);

  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(files[2].c_str()).good());
  DcmDataset& ds = *file.getDataset();
  auto tag = [&](const DcmTagKey& key, unsigned long pos = 0) {
    OFString s;
    EXPECT_TRUE(ds.findAndGetOFString(key, s, pos).good()) << key.toString().c_str();
    return std::string(s.c_str());
  };
  EXPECT_EQ(tag(DCM_Modality), "CT");
  EXPECT_EQ(tag(DCM_BodyPartExamined), "ABDOMEN");
  EXPECT_EQ(tag(DCM_SOPClassUID), "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(tag(DCM_SOPInstanceUID), info.series_uid + ".3");
  EXPECT_EQ(tag(DCM_StudyInstanceUID), info.study_uid);
  EXPECT_EQ(tag(DCM_SeriesInstanceUID), info.series_uid);
  EXPECT_EQ(tag(DCM_PixelSpacing, 0), "0.8");
  EXPECT_EQ(tag(DCM_PixelSpacing, 1), "0.7");
  EXPECT_EQ(tag(DCM_SliceThickness), "2.5");
  EXPECT_EQ(tag(DCM_ImagePositionPatient, 2), "105");
  EXPECT_EQ(tag(DCM_RescaleType), "HU");

  DicomFile dicom(files[2]);
  EXPECT_EQ(dicom.info().intercept, -1024);
  EXPECT_EQ(dicom.info().slope, 1);
  const std::vector<double> stored = dicom.DecodeFrame(0);
  for (int r = 0; r < v.rows; ++r) {
    for (int c = 0; c < v.columns; ++c) {
      ASSERT_EQ(stored[r * v.columns + c] + dicom.info().intercept, v.at(2, r, c));
    }
  }
  // The series loads like the NIfTI of the same volume: same slices, same order.
  WriteNifti(Path("v.nii"), v);
  const Frames from_dicom = LoadDicom(Path("ct"), AllSlices());
  const Frames from_nifti = LoadNifti(Path("v.nii"), NiftiOptions{SliceAxis::kAxial, 5});
  ASSERT_EQ(from_dicom.images.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(from_dicom.images[i].rgb, from_nifti.images[i].rgb) << i;

  ScalarVolume too_dense = v;
  too_dense.values[0] = -2000;  // below what the intercept lets unsigned storage hold
  EXPECT_THROW(WriteDicomSeries(Path("ct"), too_dense, info), Error);
}

TEST_F(Writers, VideoReadsBackWithItsFrameRate) {
  std::vector<Image> frames;
  for (int i = 0; i < 10; ++i) frames.push_back(Pattern(32, 24, i * 10));
  WriteVideo(Path("v.mp4"), frames, 5);
  const Frames back = LoadVideo(Path("v.mp4"));
  ASSERT_EQ(back.images.size(), 10u);
  EXPECT_NEAR(back.timestamps[3], 0.6, 1e-6);
  for (size_t i = 0; i < frames.size(); ++i) {
    ASSERT_EQ(back.images[i].width, 32);
    double err = 0;
    for (size_t j = 0; j < frames[i].rgb.size(); ++j) err += std::abs(back.images[i].rgb[j] - frames[i].rgb[j]);
    EXPECT_LT(err / frames[i].rgb.size(), 12.0) << "frame " << i;  // lossy, but close
  }
  WriteVideo(Path("w.mp4"), frames, 5);
  EXPECT_EQ(ReadAll(Path("v.mp4")), ReadAll(Path("w.mp4")));
  EXPECT_THROW(WriteVideo(Path("odd.mp4"), {Pattern(31, 24, 0)}, 5), Error);
}

}  // namespace
}  // namespace hm
