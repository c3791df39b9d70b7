#include "media/volume.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm {
namespace {

TEST(SampleSliceIndices, MatchesNumpyLinspaceIntCast) {
  // Values printed by numpy 1.24: np.linspace(0, n - 1, count, dtype=int).
  EXPECT_EQ(SampleSliceIndices(10, 4), (std::vector<int64_t>{0, 3, 6, 9}));
  EXPECT_EQ(SampleSliceIndices(3, 7), (std::vector<int64_t>{0, 0, 0, 1, 1, 1, 2}));
  EXPECT_EQ(SampleSliceIndices(1, 3), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(SampleSliceIndices(5, 1), (std::vector<int64_t>{0}));
}

TEST(SampleSliceIndices, RejectsAbsurdCounts) {
  EXPECT_THROW(SampleSliceIndices(10, 0), Error);
  EXPECT_THROW(SampleSliceIndices(10, kMaxSlices + 1), Error);
  EXPECT_THROW(SampleSliceIndices(0, 3), Error);
}

// A 2 x 3 x 2 volume in Fortran order (first index fastest), like a NIfTI file.
Volume SmallVolume(std::vector<double> values) {
  Volume v;
  v.shape = {2, 3, 2};
  v.strides = {1, 2, 6};
  v.data = std::move(values);
  return v;
}

TEST(SliceVolume, AxialSliceHasFirstAxisAsHeightAndIsStretched) {
  Volume v = SmallVolume({0, 1, 2, 3, 4, 5, /*k=1*/ 7, 7, 7, 7, 7, 7});
  Frames f = SliceVolume(v, SliceAxis::kAxial, 2, "test");
  ASSERT_EQ(f.images.size(), 2u);
  EXPECT_EQ(f.merge_size, 2);
  EXPECT_TRUE(f.from_pil);
  const Image& a = f.images[0];
  EXPECT_EQ(a.height, 2);
  EXPECT_EQ(a.width, 3);
  // pixel (r, c) = v[r, c, 0] = r + 2c, stretched by 255/5 and truncated.
  const int expect[2][3] = {{0, 102, 204}, {51, 153, 255}};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c)
      for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(a.rgb[(r * 3 + c) * 3 + ch], expect[r][c]);
  // A constant slice is cast raw.
  for (uint8_t x : f.images[1].rgb) EXPECT_EQ(x, 7);
}

TEST(SliceVolume, RawCastWrapsLikeNumpy) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Slice 0 holds a NaN, so the whole slice is cast raw (numpy: NaN max > NaN min is false).
  Volume v = SmallVolume({nan, 300.7, -1.5, -255.9, 2147483653.0, 255.99, 0, 0, 0, 0, 0, 0});
  Frames f = SliceVolume(v, SliceAxis::kAxial, 1, "test");
  const int expect[6] = {0, 44, 255, 1, 0, 255};  // from numpy's astype(np.uint8)
  const Image& a = f.images[0];
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(a.rgb[(r * 3 + c) * 3], expect[r + 2 * c]);
}

TEST(SliceVolume, SagittalAndCoronalKeepRemainingAxesInOrder) {
  Volume v = SmallVolume({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Frames s = SliceVolume(v, SliceAxis::kSagittal, 1, "test");
  EXPECT_EQ(s.images[0].height, 3);
  EXPECT_EQ(s.images[0].width, 2);
  Frames c = SliceVolume(v, SliceAxis::kCoronal, 3, "test");
  ASSERT_EQ(c.images.size(), 3u);
  EXPECT_EQ(c.images[0].height, 2);
  EXPECT_EQ(c.images[0].width, 2);
}

TEST(SliceVolume, RejectsOutputsBeyondThePixelBudgetBeforeTouchingData) {
  Volume v;  // shape only: the check must come before any voxel is read
  v.shape = {2, 40000, 40000};
  v.strides = {1, 2, 80000};
  EXPECT_THROW(SliceVolume(v, SliceAxis::kSagittal, 1, "test"), Error);
  v.shape = {2, 600, 600};
  EXPECT_THROW(SliceVolume(v, SliceAxis::kSagittal, kMaxSlices, "test"), Error);
}

}  // namespace
}  // namespace hm
