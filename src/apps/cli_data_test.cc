// `hulumed data` as a user runs it: exit statuses and the line-by-line report.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace hm {
namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string out;
};

Result Hulumed(const std::string& args) {
  FILE* pipe = popen((std::string(HULUMED_BINARY) + " " + args + " 2>&1").c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(DataCommand, PhantomsValidateAndStats) {
  const fs::path dir = fs::temp_directory_path() / ("hm_cli_data_" + std::to_string(::getpid()));
  const Result made = Hulumed("data phantoms --seed 3 --count 7 --out " + dir.string());
  ASSERT_EQ(made.status, 0) << made.out;
  EXPECT_NE(made.out.find("7 studies"), std::string::npos) << made.out;

  const std::string samples = (dir / "samples.jsonl").string();
  const Result good = Hulumed("data validate " + samples);
  EXPECT_EQ(good.status, 0) << good.out;
  EXPECT_NE(good.out.find(" 0 bad"), std::string::npos) << good.out;

  // A copy with one record pointing at a missing file and one that is not JSON.
  const std::string broken = (dir / "broken.jsonl").string();
  {
    std::ifstream in(samples);
    std::ofstream out(broken);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (n == 2) line = R"({"image": "nowhere.png", "conversations": [{"from": "human", "value": "<image>\nq"}, {"from": "gpt", "value": "a"}]})";
      if (n == 4) line = "not json";
      out << line << '\n';
    }
  }
  const Result bad = Hulumed("data validate " + broken);
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find(broken + ":2: image[0]: "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find(broken + ":4: invalid JSON"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find(" 2 bad"), std::string::npos) << bad.out;

  const Result stats = Hulumed("data stats " + samples + " --json " + (dir / "s.json").string() + " --svg " +
                               (dir / "s.svg").string());
  EXPECT_EQ(stats.status, 0) << stats.out;
  EXPECT_NE(stats.out.find("by modality"), std::string::npos) << stats.out;
  EXPECT_TRUE(fs::file_size(dir / "s.json") > 100);
  EXPECT_TRUE(fs::file_size(dir / "s.svg") > 100);

  const std::string mixed = (dir / "mix/train.jsonl").string();
  const Result mix = Hulumed("data mix --source " + samples + ":3:20 --source " + samples + ":1 --total 40 --upsample CT=2 --out " + mixed);
  EXPECT_EQ(mix.status, 0) << mix.out;
  EXPECT_NE(mix.out.find("samples"), std::string::npos) << mix.out;
  EXPECT_EQ(Hulumed("data validate " + mixed).status, 0);
  EXPECT_EQ(Hulumed("data mix --source " + samples + ":x --total 4 --out " + mixed).status, 1);

  const Result dedup = Hulumed("data dedup " + mixed + " --eval " + samples + " --out " + (dir / "clean/train.jsonl").string());
  EXPECT_EQ(dedup.status, 0) << dedup.out;
  // Everything with an image is in the eval set; only short text-only questions can stay.
  EXPECT_NE(dedup.out.find("40 records: "), std::string::npos) << dedup.out;
  EXPECT_EQ(dedup.out.find(" 0 eval image matches"), std::string::npos) << dedup.out;
  EXPECT_TRUE(fs::exists(dir / "clean/train.dropped.jsonl"));

  EXPECT_EQ(Hulumed("data validate " + (dir / "absent.jsonl").string()).status, 1);
  fs::remove_all(dir);
}

// The path to a demo model: a tokenizer learned from the phantoms' text, a demo-sized model
// carrying it, `run` answering (noise, untrained) about an image, and its records packed.
TEST(DataCommand, TokenizerThenDemoModelThatRuns) {
  const fs::path dir = fs::temp_directory_path() / ("hm_cli_tokenizer_" + std::to_string(::getpid()));
  ASSERT_EQ(Hulumed("data phantoms --seed 3 --count 7 --out " + dir.string()).status, 0);
  const Result tok = Hulumed("data tokenizer --from " + (dir / "samples.jsonl").string() + " --vocab 1024 --out " +
                             (dir / "tok").string());
  ASSERT_EQ(tok.status, 0) << tok.out;
  EXPECT_NE(tok.out.find("merges, vocabulary "), std::string::npos) << tok.out;

  const Result untokenized = Hulumed("create-model --preset demo --out " + (dir / "demo").string());
  EXPECT_EQ(untokenized.status, 1) << untokenized.out;
  EXPECT_NE(untokenized.out.find("--tokenizer"), std::string::npos) << untokenized.out;
  const Result made = Hulumed("create-model --preset demo --tokenizer " + (dir / "tok").string() + " --out " +
                              (dir / "demo").string());
  ASSERT_EQ(made.status, 0) << made.out;
  EXPECT_NE(made.out.find("M parameters"), std::string::npos) << made.out;

  const Result run = Hulumed("run -m " + (dir / "demo").string() + " --image " + HULUMED_SOURCE_DIR +
                             "/testdata/media/images/rgb.png -p \"What modality?\" -n 4 --seed 1");
  EXPECT_EQ(run.status, 0) << run.out;
  EXPECT_NE(run.out.find("generated 4 tokens"), std::string::npos) << run.out;

  const std::string pack_args = "data pack -m " + (dir / "demo").string() + " --in " + (dir / "samples.jsonl").string() +
                                " --shard-tokens 2000 --out " + (dir / "shards").string();
  const Result packed = Hulumed(pack_args);
  ASSERT_EQ(packed.status, 0) << packed.out;
  EXPECT_NE(packed.out.find(" (0 already packed): "), std::string::npos) << packed.out;
  EXPECT_TRUE(fs::exists(dir / "shards/index.json"));
  const Result repacked = Hulumed(pack_args);
  EXPECT_EQ(repacked.status, 0) << repacked.out;
  EXPECT_EQ(repacked.out.find(" (0 already packed): "), std::string::npos) << repacked.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hm
