#include "media/dicom_window.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"

namespace hm {
namespace {

TEST(DicomWindow, ParsesPresetsAndNumbers) {
  DicomWindow w = ParseDicomWindow("lung");
  EXPECT_EQ(w.width, 1500);
  EXPECT_EQ(w.level, -600);
  w = ParseDicomWindow("350:50");
  EXPECT_EQ(w.width, 350);
  EXPECT_EQ(w.level, 50);
  w = ParseDicomWindow("2000.5:-1e2");
  EXPECT_EQ(w.width, 2000.5);
  EXPECT_EQ(w.level, -100);
  EXPECT_TRUE(ParseDicomWindow("file").from_file);
  for (const char* bad : {"", "lungs", "350", "350:", ":50", "0:50", "-5:10", "a:b", "1:2:3",
                          "nan:1", "inf:0", "350 :50"}) {
    EXPECT_THROW(ParseDicomWindow(bad), Error) << bad;
  }
}

TEST(DicomWindow, LinearFunctionOfTheStandard) {
  const DicomWindow w{400, 40, false};  // [-160, 240]
  EXPECT_EQ(ApplyDicomWindow(-1000, w), 0);
  EXPECT_EQ(ApplyDicomWindow(-160, w), 0);
  EXPECT_EQ(ApplyDicomWindow(40, w), 128);  // centre -> (0.5 / 399 + 0.5) * 255
  EXPECT_EQ(ApplyDicomWindow(239, w), 255);
  EXPECT_EQ(ApplyDicomWindow(3000, w), 255);
  EXPECT_EQ(ApplyDicomWindow(std::nan(""), w), 0);
  uint8_t last = 0;
  for (double v = -200; v < 300; v += 0.7) {  // monotone
    EXPECT_GE(ApplyDicomWindow(v, w), last);
    last = ApplyDicomWindow(v, w);
  }
  const DicomWindow one{1, 0, false};  // a threshold
  EXPECT_EQ(ApplyDicomWindow(-1, one), 0);
  EXPECT_EQ(ApplyDicomWindow(0, one), 255);
}

}  // namespace
}  // namespace hm
