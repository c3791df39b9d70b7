#include "eval/csv.h"

#include <gtest/gtest.h>

namespace hm::eval {
namespace {

TEST(Csv, ReadsQuotesEscapesAndLineBreaksAsPythonDoes) {
  const auto rows = ParseCsv("a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "two\nlines", ""}));
}

TEST(Csv, LastRowWithoutNewlineAndBlankLines) {
  const auto rows = ParseCsv("a,b\n\n1,2");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "2"}));
}

}  // namespace
}  // namespace hm::eval
