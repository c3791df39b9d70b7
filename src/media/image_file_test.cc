#include "media/image_file.h"

#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "media/media_testing.h"

namespace hm {
namespace {

using testing::CountDiff;
using testing::MediaData;

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(LoadImageFile, MatchesPillowConvertRgb) {
  for (const auto& name : testing::Manifest()["images"]) {
    const std::string n = name.get<std::string>();
    SCOPED_TRACE(n);
    const Image want = testing::ReadNpyImage("golden/decode/" + n + ".npy");
    EXPECT_EQ(CountDiff(LoadImageFile(MediaData("images/" + n)), want), 0);
  }
}

TEST(LoadImageFile, DetectsFormatByContentNotName) {
  const std::vector<uint8_t> png = ReadBytes(MediaData("images/rgb.png"));
  const Image a = DecodeImage(png.data(), png.size(), "renamed.jpg");
  EXPECT_EQ(a.width, 37);
  EXPECT_EQ(a.height, 23);
}

void ExpectError(const std::vector<uint8_t>& bytes, const std::string& needle) {
  try {
    DecodeImage(bytes.data(), bytes.size(), "input");
    ADD_FAILURE() << "no error for " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(LoadImageFile, BadInputIsAClearError) {
  ExpectError({}, "empty");
  ExpectError({'G', 'I', 'F', '8', '9', 'a'}, "not a PNG or JPEG");
  for (const char* n : {"images/rgb.png", "images/rgb420.jpg", "images/rgb444_progressive.jpg"}) {
    const std::vector<uint8_t> full = ReadBytes(MediaData(n));
    for (size_t keep : {size_t{8}, size_t{40}, full.size() / 2, full.size() - 20}) {
      SCOPED_TRACE(StrCat(n, " truncated to ", keep));
      ExpectError(std::vector<uint8_t>(full.begin(), full.begin() + keep), "input");
    }
    // Flipped bytes in the middle: a clean error, or a decoded image; never a crash.
    std::vector<uint8_t> bad = full;
    for (size_t i = 30; i < bad.size(); i += 17) bad[i] ^= 0x5a;
    try {
      DecodeImage(bad.data(), bad.size(), "input");
    } catch (const Error&) {
    }
  }
  // Pillow rejects a bad CRC in a chunk before the image data (and ignores IDAT's).
  EXPECT_THROW(LoadImageFile(MediaData("images/bad_text_crc.png")), Error);
  EXPECT_THROW(LoadImageFile(MediaData("images/does-not-exist.png")), Error);
  EXPECT_THROW(LoadImageFile(MediaData("images")), Error);
}

// Rewrites the IHDR size of a PNG (and its CRC, so only the size is wrong).
std::vector<uint8_t> PngWithSize(uint32_t w, uint32_t h) {
  std::vector<uint8_t> png = ReadBytes(MediaData("images/gray.png"));
  auto put = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) png[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  };
  put(16, w);
  put(20, h);
  // CRC-32 over "IHDR" + 13 data bytes, bitwise (no zlib in the test).
  uint32_t crc = 0xffffffffu;
  for (size_t i = 12; i < 12 + 17; ++i) {
    crc ^= png[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  put(29, crc ^ 0xffffffffu);
  return png;
}

TEST(LoadImageFile, ForgedProgressiveJpegSizeIsRejected) {
  // 10000x10000 claimed by a 1.3 KB progressive file: Pillow decodes 100 MP of gray from it;
  // we refuse to buffer 600 MB of coefficients for it.
  std::vector<uint8_t> jpg = ReadBytes(MediaData("images/rgb444_progressive.jpg"));
  for (size_t i = 0; i + 9 < jpg.size(); ++i) {
    if (jpg[i] == 0xff && jpg[i + 1] == 0xc2) {  // SOF2: length, precision, height, width
      jpg[i + 5] = jpg[i + 7] = 10000 >> 8;
      jpg[i + 6] = jpg[i + 8] = 10000 & 0xff;
      break;
    }
  }
  ExpectError(jpg, "corrupt JPEG data");
}

TEST(LoadImageFile, ZeroAndHugeHeaderSizesAreRejectedBeforeAllocating) {
  ExpectError(PngWithSize(0, 23), "input");
  ExpectError(PngWithSize(100000, 100000), "pixels");
  ExpectError(PngWithSize(37, 1000), "input");  // claims more rows than the data holds
}

}  // namespace
}  // namespace hm
