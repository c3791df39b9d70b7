// `hulumed data` as a user runs it: exit statuses and the line-by-line report.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "apps/serve_process_testing.h"
#include "core/scratch_dir_testing.h"

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
  ScratchDir scratch;
  const fs::path dir = scratch.path();
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
}

// The count on the summary table's row `name`, -1 when there is no such row.
long SummaryRow(const std::string& table, const std::string& name) {
  for (size_t at = table.find(name); at != std::string::npos; at = table.find(name, at + 1))
    if (at == 0 || table[at - 1] == '\n') return std::stol(table.substr(at + name.size(), table.find('\n', at) - at - name.size()));
  return -1;
}

// `data synth` against our own server: the seed's image goes inline and is accepted. The tiny
// test model is untrained, so its replies are noise and the rule checks reject them; the run
// still settles every seed, writes their provenance, and a re-run is answered by the cache.
TEST(DataCommand, SynthAgainstHulumedServe) {
  ServeProcess server(HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2");
  ASSERT_GT(server.port(), 0);
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  const std::string seeds = (dir / "seeds.jsonl").string(), image = HULUMED_SOURCE_DIR "/testdata/media/images/rgb.png";
  std::ofstream(seeds) << R"({"image": ")" << image
                       << R"(", "conversations": [{"from": "human", "value": "<image>\nWhat is shown?"}, {"from": "gpt", "value": "Colours."}]})"
                       << "\n"
                       << R"({"conversations": [{"from": "human", "value": "What is CT?"}, {"from": "gpt", "value": "Computed tomography."}]})"
                       << "\n";
  // The tiny model's context is 512 positions: a short template of our own (--templates).
  fs::create_directories(dir / "templates");
  std::ofstream(dir / "templates/qa.txt") << "Ask about {{modality}}: {{question}} JSON pairs:";
  const std::string common = "data synth --endpoint http://127.0.0.1:" + std::to_string(server.port()) +
                             " --model tiny --task qa --in " + seeds + " --templates " + (dir / "templates").string() +
                             " --max-tokens 8 --cache " + (dir / "cache").string() + " --out ";
  const Result first = Hulumed(common + (dir / "a.jsonl").string() + " --rate 600/min");
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_EQ(SummaryRow(first.out, "requests sent"), 2) << first.out;
  EXPECT_EQ(SummaryRow(first.out, "failed (retried next run)"), 0) << first.out;
  std::ifstream rejected(dir / "a.rejected.jsonl");
  std::string line;
  int settled = 0;
  for (; std::getline(rejected, line); ++settled) {
    EXPECT_NE(line.find(R"("model":"tiny")"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("template":{"name":"qa")"), std::string::npos) << line;
  }
  std::ifstream accepted(dir / "a.jsonl");
  for (; std::getline(accepted, line); ++settled) {
  }
  EXPECT_EQ(settled, 2);

  const Result again = Hulumed(common + (dir / "b.jsonl").string());
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_EQ(SummaryRow(again.out, "requests sent"), 0) << again.out;
  EXPECT_EQ(SummaryRow(again.out, "replies from the cache"), 2) << again.out;

  std::ofstream(seeds, std::ios::app) << "{oops\n";
  const Result bad = Hulumed(common + (dir / "c.jsonl").string() + " --rate 1/fortnight");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("--rate '1/fortnight'"), std::string::npos) << bad.out;
  const Result bad_seed = Hulumed(common + (dir / "c.jsonl").string());
  EXPECT_EQ(bad_seed.status, 1);
  EXPECT_NE(bad_seed.out.find(seeds + ":3: invalid JSON"), std::string::npos) << bad_seed.out;
}

// The path to a demo model: a tokenizer learned from the phantoms' text, a demo-sized model
// carrying it, `run` answering (noise, untrained) about an image, and its records packed.
TEST(DataCommand, TokenizerThenDemoModelThatRuns) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
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
}

// A pack made for a recipe's stage (`--recipe`, `--stage`) is what the stage trains from.
TEST(DataCommand, PackForARecipeStageThenTrainFromIt) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  std::ofstream(dir / "s.jsonl") << R"({"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Yo."}]})"
                                 << "\n"
                                 << R"({"conversations": [{"from": "human", "value": "Bye"}, {"from": "gpt", "value": "Ciao."}]})"
                                 << "\n";
  const std::string recipe = (dir / "recipe.json").string();
  std::ofstream(recipe) << R"({"defaults": {"global_batch_samples": 2, "steps": 2, "warmup_ratio": 0,
      "modules": {"vision": "frozen", "projector": "frozen", "llm": {"lr": 0.01}}},
    "stages": [{"name": "text", "start_checkpoint": ")" HULUMED_SOURCE_DIR R"(/testdata/models/tiny-qwen2",
                "output_dir": "out", "data": [{"path": "packed"}]},
               {"name": "again", "output_dir": "out2", "data": [{"path": "packed/index.json"}]}]})";
  const std::string pack = "data pack -m " HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2 --in " + (dir / "s.jsonl").string() +
                           " --out " + (dir / "packed").string() + " --recipe " + recipe;
  Result r = Hulumed(pack);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("has 2 stages: name one with --stage"), std::string::npos) << r.out;
  r = Hulumed(pack + " --stage text");
  ASSERT_EQ(r.status, 0) << r.out;
  r = Hulumed("train --no-progress " + recipe);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("text: 2 steps (0 skipped), 0 records skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("again: 2 steps (0 skipped), 0 records skipped"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hm
