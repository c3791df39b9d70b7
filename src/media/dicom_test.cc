#include "media/dicom.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "media/dicom_file.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// pydicom's own test corpus, installed by python3-pydicom (scripts/apt-packages.txt); every
// file of it is checked against pydicom by dicom_corpus_test.cc.
const fs::path kCorpus = "/usr/lib/python3/dist-packages/pydicom/data/test_files";
const fs::path kData = fs::path(HULUMED_SOURCE_DIR) / "testdata/dicom";

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Mean gray level of an image, to tell slices apart.
double Mean(const Image& image) {
  double sum = 0;
  for (uint8_t v : image.rgb) sum += v;
  return sum / static_cast<double>(image.rgb.size());
}

TEST(Dicom, SeriesIsOrderedByPositionAlongTheNormal) {
  // Slice k holds CT_small + 100 * k; file names and InstanceNumber both disagree with k.
  DicomOptions options;
  options.num_slices = 0;
  options.window = DicomWindow{4000, 1000, false};
  const Frames frames = LoadDicom((kData / "series").string(), options);
  ASSERT_EQ(frames.images.size(), 5u);
  EXPECT_EQ(frames.merge_size, 2);
  EXPECT_TRUE(frames.from_pil);
  EXPECT_TRUE(frames.timestamps.empty());
  for (size_t k = 1; k < 5; ++k) {
    EXPECT_GT(Mean(frames.images[k]), Mean(frames.images[k - 1]) + 3) << "slice " << k;
  }
}

TEST(Dicom, DefaultSamplesLikeNifti) {
  const Frames frames = LoadDicom((kData / "series").string());
  ASSERT_EQ(frames.images.size(), 180u);  // floor(linspace(0, 4, 180)): indices repeat
  EXPECT_EQ(frames.images[0].width, 32);
  EXPECT_EQ(frames.images[0].rgb, frames.images[1].rgb);
  // Per-slice min-max: each slice spans 0..255 whatever its offset.
  for (const Image& image : frames.images) {
    EXPECT_EQ(*std::min_element(image.rgb.begin(), image.rgb.end()), 0);
    EXPECT_EQ(*std::max_element(image.rgb.begin(), image.rgb.end()), 255);
  }
}

TEST(Dicom, OtherAxesReslice) {
  DicomOptions options;
  options.num_slices = 3;
  options.axis = SliceAxis::kSagittal;  // one image per row: columns x slices
  const Frames frames = LoadDicom((kData / "series").string(), options);
  ASSERT_EQ(frames.images.size(), 3u);
  EXPECT_EQ(frames.images[0].height, 32);
  EXPECT_EQ(frames.images[0].width, 5);
}

TEST(Dicom, WindowUsesRescaledValues) {
  const std::string path = (kCorpus / "CT_small.dcm").string();
  DicomFile file(path);
  ASSERT_EQ(file.info().intercept, -1024);
  const std::vector<double> stored = file.DecodeFrame(0);
  DicomOptions options;
  options.window = ParseDicomWindow("mediastinum");
  const Frames frames = LoadDicom(path, options);
  ASSERT_EQ(frames.images.size(), 1u);
  EXPECT_EQ(frames.merge_size, 1);  // a single slice is a still image
  int nonzero = 0;
  for (size_t i = 0; i < stored.size(); ++i) {
    const uint8_t want = ApplyDicomWindow(stored[i] * file.info().slope + file.info().intercept,
                                          *options.window);
    ASSERT_EQ(frames.images[0].rgb[i * 3], want) << i;
    nonzero += want != 0 && want != 255;
  }
  EXPECT_GT(nonzero, 100);  // the window actually cuts through the data
}

TEST(Dicom, Monochrome1IsInverted) {
  const Frames one = LoadDicom((kData / "monochrome1.dcm").string());
  const Frames two = LoadDicom((kData / "monochrome2.dcm").string());
  ASSERT_EQ(one.images[0].rgb.size(), two.images[0].rgb.size());
  for (size_t i = 0; i < one.images[0].rgb.size(); ++i) {
    // Truncation after the stretch may round each side down once.
    EXPECT_NEAR(one.images[0].rgb[i] + two.images[0].rgb[i], 255, 1) << i;
  }
  DicomOptions options;
  options.window = DicomWindow{200, 100, false};
  const Frames w1 = LoadDicom((kData / "monochrome1.dcm").string(), options);
  const Frames w2 = LoadDicom((kData / "monochrome2.dcm").string(), options);
  for (size_t i = 0; i < w1.images[0].rgb.size(); ++i) {
    EXPECT_EQ(w1.images[0].rgb[i] + w2.images[0].rgb[i], 255) << i;
  }
}

TEST(Dicom, MultiFrameFile) {
  const std::string path = (kCorpus / "rtdose.dcm").string();
  EXPECT_EQ(LoadDicom(path).images.size(), 180u);
  DicomOptions options;
  options.num_slices = 0;
  const Frames frames = LoadDicom(path, options);
  EXPECT_EQ(frames.images.size(), 15u);
  EXPECT_EQ(frames.merge_size, 2);
}

TEST(Dicom, ColourFramesAreKept) {
  DicomOptions options;
  options.num_slices = 0;
  const Frames frames = LoadDicom((kCorpus / "SC_rgb_rle_2frame.dcm").string(), options);
  ASSERT_EQ(frames.images.size(), 2u);
  // pydicom's SC_rgb images: the top band is pure red.
  EXPECT_EQ(frames.images[0].rgb[0], 255);
  EXPECT_EQ(frames.images[0].rgb[1], 0);
  EXPECT_EQ(frames.images[0].rgb[2], 0);
  options.window = DicomWindow{100, 50, false};
  EXPECT_THROW(LoadDicom((kCorpus / "SC_rgb_rle_2frame.dcm").string(), options), Error);
  // One colour frame is a still image, not a 180-frame clip.
  const Frames still = LoadDicom((kCorpus / "SC_rgb_jpeg_gdcm.dcm").string());
  ASSERT_EQ(still.images.size(), 1u);
  EXPECT_EQ(still.merge_size, 1);
}

class DicomBadInput : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(DicomBadInput, CleanErrors) {
  const std::string ct = ReadText(kCorpus / "CT_small.dcm");
  const std::string j2k = ReadText(kCorpus / "JPEG2000.dcm");
  const std::string rle = ReadText(kCorpus / "MR_small_RLE.dcm");
  for (const std::string& path : {
           Write("empty.dcm", ""),
           Write("text.dcm", "hello, not DICOM"),
           Write("truncated.dcm", ct.substr(0, ct.size() / 2)),
           Write("truncated_j2k.dcm", j2k.substr(0, j2k.size() - 600)),
           Write("truncated_rle.dcm", rle.substr(0, rle.size() - 500)),
           (dir_ / "missing.dcm").string(),
           // Found by fuzz/dicom_fuzz.cc: crashed DCMTK 3.6.7's RLE decoder.
           (kData / "fuzz/rle_bad_segment_offset.dcm").string(),
           // Found by fuzz/dicom_fuzz.cc: a deflated data set whose bad VR, retried as implicit
           // VR, made DCMTK allocate 2.4 GB.
           (kData / "fuzz/deflate_bad_vr_huge_length.dcm").string(),
           // Found by fuzz/dicom_fuzz.cc: DCMTK threw std::out_of_range from a directory record.
           (kData / "fuzz/directory_record_out_of_range.dcm").string(),
       }) {
    EXPECT_THROW(LoadDicom(path), Error) << path;
  }
}

TEST_F(DicomBadInput, FoldersMustHoldOneSeries) {
  EXPECT_THROW(LoadDicom(dir_.string()), Error);  // empty
  Write("a.dcm", ReadText(kCorpus / "CT_small.dcm"));
  Write("b.dcm", ReadText(kCorpus / "MR_small.dcm"));
  EXPECT_THROW(LoadDicom(dir_.string()), Error);
}

TEST_F(DicomBadInput, RejectsBadOptions) {
  DicomOptions options;
  options.num_slices = -1;
  EXPECT_THROW(LoadDicom((kData / "series").string(), options), Error);
  options.num_slices = kMaxSlices + 1;
  EXPECT_THROW(LoadDicom((kData / "series").string(), options), Error);
  options.num_slices = 4;
  options.window = DicomWindow{0, 0, true};  // the series has no WindowWidth/Center
  EXPECT_THROW(LoadDicom((kData / "series").string(), options), Error);
}

}  // namespace
}  // namespace hm
