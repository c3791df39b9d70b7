#include "media/resize.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "media/media_testing.h"

namespace hm {
namespace {

using testing::CountDiff;
using testing::Manifest;
using testing::ReadNpyImage;

TEST(ResizeBicubic, BitExactWithPillow) {
  const Image src = ReadNpyImage("golden/resize/source.npy");
  for (const auto& wh : Manifest()["resize"]) {
    const int w = wh[0], h = wh[1];
    SCOPED_TRACE(StrCat(w, "x", h));
    const Image want = ReadNpyImage("golden/resize/" + std::to_string(w) + "x" +
                                    std::to_string(h) + ".npy");
    EXPECT_EQ(CountDiff(ResizeBicubic(src, w, h), want), 0);
  }
}

TEST(ResizeBicubic, RejectsEmptyAndNonPositive) {
  const Image src = ReadNpyImage("golden/resize/source.npy");
  EXPECT_THROW(ResizeBicubic(src, 0, 5), Error);
  EXPECT_THROW(ResizeBicubic(src, 5, -1), Error);
  EXPECT_THROW(ResizeBicubic(Image{}, 5, 5), Error);
}

}  // namespace
}  // namespace hm
