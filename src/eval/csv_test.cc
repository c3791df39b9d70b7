#include "eval/csv.h"

#include <gtest/gtest.h>

#include "core/error.h"

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

TEST(Csv, TablesByColumnNameAndGzip) {
  const std::string path = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks/MIMIC_CXR/mimic-cxr-2.0.0-split.csv.gz";
  const CsvTable table(path);
  ASSERT_GT(table.rows(), 0u);
  EXPECT_EQ(table.at(0, "split"), "train");
  EXPECT_TRUE(table.has("dicom_id"));
  EXPECT_FALSE(table.has("report"));
  try {
    table.at(0, "report");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("split.csv.gz: no column \"report\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hm::eval
