#include "data/data_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

std::vector<FileRecord> Read(const std::string& name, const std::string& content) {
  const ScratchDir scratch;
  const fs::path p = scratch / name;
  std::ofstream(p) << content;
  std::vector<FileRecord> out;
  ForEachRecord(p.string(), [&](const FileRecord& r) { out.push_back(r); });
  return out;
}

std::string Line(const FileRecord& r) { return r.where.substr(r.where.rfind(':') + 1); }

TEST(DataFile, JsonLinesAndArraysReportTheLineEachRecordStartsOn) {
  const auto lines = Read("a.jsonl", "{\"a\": 1}\n\n{bad\n{\"b\": \"x\"}\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(Line(lines[0]), "1");
  EXPECT_EQ(Line(lines[1]), "3");
  EXPECT_FALSE(lines[1].error.empty());
  EXPECT_EQ(lines[2].record["b"], "x");

  const auto array = Read("a.json", "[\n  {\"a\": \"}, [\\\"\"},\n  {\"b\": [1,\n 2]},\n  {oops},\n  {\"c\": {\"d\": []}}\n]\n");
  ASSERT_EQ(array.size(), 4u);
  EXPECT_EQ(array[0].record["a"], "}, [\"");
  EXPECT_EQ(Line(array[1]), "3");
  EXPECT_EQ(array[1].record["b"].size(), 2u);
  EXPECT_EQ(Line(array[2]), "5");
  EXPECT_FALSE(array[2].error.empty());
  EXPECT_EQ(Line(array[3]), "6");
  EXPECT_TRUE(Read("empty.json", " [ ] ").empty());
  EXPECT_THROW(Read("object.json", "{\"a\": 1}"), Error);
  EXPECT_THROW(Read("open.json", "[{\"a\": 1},"), Error);
}

}  // namespace
}  // namespace hm
