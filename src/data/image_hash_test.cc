#include "data/image_hash.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "data/random.h"

namespace hm {
namespace {

Image Scene(int w, int h, int variant) {
  Image im{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int v = variant == 0 ? (x * 255 / w + (y > h / 2 ? 60 : 0)) % 256 : ((x / 7 + y / 5) % 2) * 200;
      for (int c = 0; c < 3; ++c) im.rgb[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<uint8_t>(v);
    }
  }
  return im;
}

TEST(ImageHash, NearForSmallChangesFarForOtherImages) {
  const Image a = Scene(64, 64, 0);
  Image noisy = a;
  Rng rng(1);
  for (uint8_t& v : noisy.rgb) v = static_cast<uint8_t>(std::clamp(v + rng.Int(-3, 3), 0, 255));
  EXPECT_EQ(DifferenceHash(a), DifferenceHash(a));
  EXPECT_LE(HashDistance(DifferenceHash(a), DifferenceHash(noisy)), 4);
  EXPECT_LE(HashDistance(DifferenceHash(a), DifferenceHash(Scene(128, 128, 0))), 4);  // resized
  EXPECT_GE(HashDistance(DifferenceHash(a), DifferenceHash(Scene(64, 64, 1))), 16);
  EXPECT_NO_THROW(DifferenceHash(Image{1, 1, {1, 2, 3}}));
  EXPECT_THROW(DifferenceHash(Image{2, 2, {}}), Error);
}

}  // namespace
}  // namespace hm
