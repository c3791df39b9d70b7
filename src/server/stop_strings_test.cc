#include "server/stop_strings.h"

#include <gtest/gtest.h>

namespace hm {
namespace {

TEST(StopStrings, CutsAtTheFirstMatchAcrossPieces) {
  StopStrings s({"END", "\n\n"});
  std::string out = s.Push("Hello E");
  out += s.Push("N");
  EXPECT_EQ(out, "Hello ");  // "EN" might still become "END"
  out += s.Push("D and more");
  EXPECT_TRUE(s.stopped());
  EXPECT_EQ(out, "Hello ");
  EXPECT_EQ(s.Push("x"), "");
}

TEST(StopStrings, ReleasesAHeldPrefixThatDidNotMatch) {
  StopStrings s({"END"});
  EXPECT_EQ(s.Push("an E"), "an ");
  EXPECT_EQ(s.Push("xit"), "Exit");
  EXPECT_EQ(s.Push("E"), "");
  EXPECT_EQ(s.Flush(), "E");
  EXPECT_FALSE(s.stopped());
}

TEST(StopStrings, NoStopsPassesEverything) {
  StopStrings s({});
  EXPECT_EQ(s.Push("abc"), "abc");
  EXPECT_EQ(s.Flush(), "");
}

}  // namespace
}  // namespace hm
