#include "server/base64.h"

#include <gtest/gtest.h>

#include "server/api_error.h"

namespace hm {
namespace {

std::string Decode(std::string_view s) {
  const auto bytes = DecodeBase64(s, "test");
  return {bytes.begin(), bytes.end()};
}

TEST(Base64, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(Decode("aGVsbG8="), "hello");
  EXPECT_EQ(Decode("aGVsbG8"), "hello");
  EXPECT_EQ(Decode("aGk="), "hi");
  EXPECT_EQ(Decode(""), "");
  EXPECT_EQ(Decode("+/+/"), "\xfb\xff\xbf");
}

TEST(Base64, RejectsMalformedInputAsAClientError) {
  for (const char* bad : {"a", "aGVsbG8===", "aGV$bG8=", "aGVsbG9=", "aG=sbG8=", "aGVsbG8 "}) {
    try {
      Decode(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400) << bad;
    }
  }
}

}  // namespace
}  // namespace hm

namespace hm {
namespace {

TEST(Base64, EncodesWithPaddingAndRoundTrips) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const auto back = DecodeBase64(EncodeBase64(all), "test");
  EXPECT_EQ(std::string(back.begin(), back.end()), all);
}

}  // namespace
}  // namespace hm
