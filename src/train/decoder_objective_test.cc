#include "train/decoder_objective.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "train/trainer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// The tiny Qwen2 checkpoint learns the three text samples of testdata/train: the loop drives
// the real backward passes, and a record with media is reported and skipped.
TEST(DecoderObjectiveTest, TinyQwen2LossFallsOnTextSamples) {
  const fs::path root = fs::temp_directory_path() / ("hm_decoder_objective_test_" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::ifstream in(HULUMED_SOURCE_DIR "/testdata/train/grad_text.jsonl");
  std::ofstream data(root / "data.jsonl");
  data << in.rdbuf();
  std::ofstream(root / "x.png") << "x";
  data << R"({"image": "x.png", "conversations": [{"from": "human", "value": "<image>What?"}, {"from": "gpt", "value": "A dot."}]})"
       << "\n";
  data.close();

  StageRecipe stage;
  stage.name = "tiny";
  stage.start_checkpoint = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
  stage.output_dir = (root / "out").string();
  stage.data = {{(root / "data.jsonl").string(), 1.0, root.string()}};
  stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
  stage.steps = 8;
  stage.global_batch_samples = 3;
  stage.warmup_ratio = 0;
  DecoderObjective objective(stage.start_checkpoint, 2);
  TrainOptions options;
  options.progress = false;
  StageOutcome o = TrainStage(stage, stage.start_checkpoint, objective, options);
  EXPECT_EQ(o.skipped_records, 1);
  EXPECT_EQ(o.skipped_steps, 0);

  std::vector<double> losses;
  std::ifstream log(root / "out" / "train_log.jsonl");
  std::string line;
  while (std::getline(log, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("loss")) losses.push_back(j["loss"]);
  }
  ASSERT_EQ(losses.size(), 8u);
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << losses.front() << " -> " << losses.back();
  // The last checkpoint is a model folder the trainer's own loader reads.
  DecoderObjective trained(o.checkpoint, 1);
  EXPECT_EQ(trained.Params().size(), objective.Params().size());
  fs::remove_all(root);
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The real decoder, 2 threads: a run killed after step 3 (checkpoint at 2) and resumed ends
// with the same bytes as an uninterrupted one.
TEST(DecoderObjectiveTest, ResumeAfterKillIsBitIdentical) {
  const fs::path root = fs::temp_directory_path() / ("hm_decoder_resume_test_" + std::to_string(::getpid()));
  fs::create_directories(root);
  StageRecipe stage;
  stage.name = "tiny";
  stage.start_checkpoint = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen3";
  stage.data = {{HULUMED_SOURCE_DIR "/testdata/train/grad_text.jsonl", 1.0, root.string()}};
  stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
  stage.steps = 5;
  stage.global_batch_samples = 2;
  stage.save_every_steps = 2;
  TrainOptions options;
  options.progress = false;
  auto run = [&](const std::string& out, const TrainOptions& o) {
    StageRecipe s = stage;
    s.output_dir = (root / out).string();
    DecoderObjective objective(s.start_checkpoint, 2);
    return TrainStage(s, s.start_checkpoint, objective, o);
  };
  run("straight", options);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    TrainOptions o = options;
    o.after_step = [](int64_t step) {
      if (step == 3) raise(SIGKILL);
    };
    run("killed", o);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  TrainOptions resume = options;
  resume.resume = true;
  EXPECT_EQ(run("killed", resume).steps, 5);
  for (const char* file : {"model.safetensors", "optimizer.safetensors"})
    EXPECT_EQ(Slurp(root / "killed" / "checkpoint-5" / file), Slurp(root / "straight" / "checkpoint-5" / file)) << file;
  fs::remove_all(root);
}

}  // namespace
}  // namespace hm
