#include "text/utf8.h"

#include <gtest/gtest.h>

namespace hm {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, RepairReplacesMaximalSubparts) {
  // Cases from the Unicode standard's "U+FFFD substitution of maximal subparts" table.
  EXPECT_EQ(RepairUtf8("a\x80" "b"), "a" + kFffd + "b");
  EXPECT_EQ(RepairUtf8("\xE1\x80" "x"), kFffd + "x");          // truncated 3-byte: one U+FFFD
  EXPECT_EQ(RepairUtf8("\xC0\xAF"), kFffd + kFffd);            // overlong lead never valid
  EXPECT_EQ(RepairUtf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // surrogate
  EXPECT_EQ(RepairUtf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(RepairUtf8("\xF0\x9F\x98"), kFffd);
  EXPECT_EQ(RepairUtf8("ok \xE4\xB8\xAD"), "ok \xE4\xB8\xAD");
}

TEST(Utf8, RepairCanHoldTruncatedTail) {
  size_t held = 99;
  EXPECT_EQ(RepairUtf8("ab\xF0\x9F\x98", &held), "ab");
  EXPECT_EQ(held, 3u);
  EXPECT_EQ(RepairUtf8("ab\xF0\x9F\x98\x80", &held), "ab\xF0\x9F\x98\x80");
  EXPECT_EQ(held, 0u);
  EXPECT_EQ(RepairUtf8("ab\xFF", &held), "ab" + kFffd);  // never valid: not held
  EXPECT_EQ(held, 0u);
}

TEST(Utf8, ValidityAndCodec) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  for (char32_t cp : {0x41u, 0xE9u, 0x4E2Du, 0x1F600u, 0x10FFFFu}) {
    std::string s;
    AppendUtf8(s, cp);
    int len;
    EXPECT_EQ(DecodeUtf8(s, 0, &len), cp);
    EXPECT_EQ(static_cast<size_t>(len), s.size());
  }
}

}  // namespace
}  // namespace hm
