#include "media/image_header.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "media/image_file.h"

namespace hm {
namespace {

std::vector<uint8_t> Read(const std::string& name) {
  std::ifstream in(HULUMED_SOURCE_DIR "/testdata/media/images/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ImageHeader, AgreesWithTheDecoderOnEveryFixture) {
  for (const char* name : {"rgb.png", "palette.png", "rgb_interlaced.png", "gray.jpg", "rgb420.jpg",
                           "rgb444_progressive.jpg", "cmyk.jpg", "large.jpg"}) {
    const auto bytes = Read(name);
    const auto dims = ImageDimensions(bytes.data(), bytes.size());
    ASSERT_TRUE(dims) << name;
    const Image image = DecodeImage(bytes.data(), bytes.size(), name);
    EXPECT_EQ(dims->first, image.width) << name;
    EXPECT_EQ(dims->second, image.height) << name;
  }
}

TEST(ImageHeader, RejectsOtherData) {
  const uint8_t junk[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00};
  EXPECT_FALSE(ImageDimensions(junk, sizeof junk));
  EXPECT_FALSE(ImageDimensions(reinterpret_cast<const uint8_t*>("GIF89a"), 6));
  EXPECT_FALSE(ImageDimensions(nullptr, 0));
}

}  // namespace
}  // namespace hm
