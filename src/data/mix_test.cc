#include "data/mix.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/phantoms.h"
#include "data/validate.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, int> CountBy(const fs::path& p, const char* field) {
  std::map<std::string, int> out;
  std::istringstream in(ReadAll(p));
  for (std::string line; std::getline(in, line);) ++out[Json::parse(line).value(field, "?")];
  return out;
}

class Mix : public ::testing::Test {
 protected:
  void SetUp() override {
    GeneratePhantoms({2, 7, (dir_ / "phantoms").string()});
    fs::create_directories(dir_ / "general");
    std::ofstream g(dir_ / "general/general.jsonl");
    for (int i = 0; i < 10; ++i) {
      g << Json{{"conversations", {{{"from", "human"}, {"value", "q" + std::to_string(i)}}, {{"from", "gpt"}, {"value", "a"}}}}}.dump() << '\n';
    }
  }
  MixOptions Options(const std::string& phantoms_spec, const std::string& out) {
    MixOptions o;
    o.sources = {ParseMixSource((dir_ / "phantoms/samples.jsonl").string() + phantoms_spec),
                 ParseMixSource((dir_ / "general/general.jsonl").string() + ":1")};
    o.total = 40;
    o.seed = 9;
    o.out = (dir_ / out).string();
    return o;
  }
  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(Mix, WeightsSharesSeedAndPathsThatStillResolve) {
  const auto reports = MixData(Options(":3", "mix/train.jsonl"));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].drawn, 30);
  EXPECT_EQ(reports[1].drawn, 10);
  EXPECT_EQ(reports[1].repeated, 0);
  const auto sources = CountBy(dir_ / "mix/train.jsonl", "source");
  EXPECT_EQ(sources.at("phantoms"), 30);
  EXPECT_EQ(sources.at("general"), 10);  // named after the file where records have no source
  // Media paths were rewritten for the new folder: every record still validates.
  std::ostringstream problems;
  EXPECT_EQ(ValidateFiles({(dir_ / "mix/train.jsonl").string()}, {}, "", problems).bad, 0) << problems.str();

  MixData(Options(":3", "mix/again.jsonl"));
  EXPECT_EQ(ReadAll(dir_ / "mix/train.jsonl"), ReadAll(dir_ / "mix/again.jsonl"));
  MixOptions other = Options(":3", "mix/other.jsonl");
  other.seed = 10;
  MixData(other);
  EXPECT_NE(ReadAll(dir_ / "mix/train.jsonl"), ReadAll(dir_ / "mix/other.jsonl"));
}

TEST_F(Mix, CapsRepeatAndUpsampling) {
  const auto capped = MixData(Options(":3:5", "capped.jsonl"));
  EXPECT_EQ(capped[0].pool, 5);
  EXPECT_EQ(capped[0].repeated, 25);
  EXPECT_EQ(CountBy(dir_ / "capped.jsonl", "id").size(), 5u + 1);  // 5 distinct phantom ids, general has none ("?")

  MixOptions plain = Options(":3", "plain.jsonl"), up = Options(":3", "up.jsonl");
  plain.total = up.total = 400;
  up.upsample["CT"] = 4;
  MixData(plain);
  const auto reports = MixData(up);
  EXPECT_GT(reports[0].pool, reports[0].available);
  EXPECT_GT(CountBy(dir_ / "up.jsonl", "modality")["CT"], 2 * CountBy(dir_ / "plain.jsonl", "modality")["CT"]);
}

TEST(MixSource, Parses) {
  const MixSource s = ParseMixSource("data/med.jsonl:3:1000");
  EXPECT_EQ(s.path, "data/med.jsonl");
  EXPECT_EQ(s.name, "med");
  EXPECT_EQ(s.weight, 3);
  EXPECT_EQ(s.cap, 1000);
  EXPECT_FALSE(ParseMixSource("x.jsonl:0.5").cap);
  for (const char* bad : {"x.jsonl", "x.jsonl:0", "x.jsonl:abc", "x.jsonl:1:0", "x.jsonl:1:2:3", "x.jsonl:1x"}) {
    EXPECT_THROW(ParseMixSource(bad), Error) << bad;
  }
}

}  // namespace
}  // namespace hm
