#include "train/trainer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "io/checkpoint_files.h"
#include "train/least_squares_objective.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<nlohmann::json> StepLines(const fs::path& log) {
  std::vector<nlohmann::json> out;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (!j.contains("event")) out.push_back(j);
  }
  return out;
}

// y = x . (1, -2, 0.5) + 0.3 on 64 records, learned from w = 0, b = 0.
class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LeastSquaresObjective::WriteModel((root_ / "model").string(), {0, 0, 0}, 0);
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    std::ofstream data(root_ / "data.jsonl");
    for (int i = 0; i < 64; ++i) {
      float x[3] = {normal(rng), normal(rng), normal(rng)};
      float y = x[0] - 2 * x[1] + 0.5f * x[2] + 0.3f;
      data << nlohmann::json{{"conversations", {{{"from", "human"}, {"value", StrCat(x[0], " ", x[1], " ", x[2])}},
                                                {{"from", "gpt"}, {"value", StrCat(y)}}}}}.dump()
           << "\n";
    }
  }

  StageRecipe Stage(const std::string& out) {
    StageRecipe s;
    s.name = "toy";
    s.start_checkpoint = (root_ / "model").string();
    s.output_dir = (root_ / out).string();
    s.data = {{(root_ / "data.jsonl").string(), 1.0, root_.string()}};
    s.lrs.Of(ModuleGroup::kLlm) = 0.1;
    s.lrs.Of(ModuleGroup::kProjector) = 0.05;
    s.steps = 30;
    s.global_batch_samples = 8;
    s.micro_batch_samples = 2;
    s.warmup_ratio = 0.1;
    s.max_grad_norm = 5.0;
    s.adamw.weight_decay = 0.01;
    s.save_every_steps = 10;
    return s;
  }

  StageOutcome Run(const StageRecipe& stage, TrainOptions options = {}) {
    options.progress = false;
    LeastSquaresObjective objective(stage.start_checkpoint);
    return TrainStage(stage, stage.start_checkpoint, objective, options);
  }

  ScratchDir scratch_;
  const fs::path root_ = scratch_.path();
};

TEST_F(TrainerTest, LossFallsAndEveryArtifactIsWritten) {
  StageRecipe stage = Stage("out");
  StageOutcome o = Run(stage);
  EXPECT_EQ(o.steps, 30);
  EXPECT_EQ(o.skipped_steps, 0);
  EXPECT_EQ(o.checkpoint, stage.output_dir + "/checkpoint-30");
  std::vector<nlohmann::json> steps = StepLines(fs::path(stage.output_dir) / "train_log.jsonl");
  ASSERT_EQ(steps.size(), 30u);
  double first = steps[0]["loss"], last = steps[29]["loss"];
  EXPECT_LT(last, first / 10) << "first " << first << " last " << last;
  EXPECT_EQ(steps[0]["lr"]["llm"], 0.0);  // warmup starts at 0, as HF
  EXPECT_EQ(steps[0]["lr"]["vision"], "frozen");
  EXPECT_EQ(steps[0]["label_tokens"], 8);
  for (int k : {10, 20, 30}) EXPECT_TRUE(fs::exists(stage.output_dir + "/checkpoint-" + std::to_string(k)));
  std::string curve = Slurp(fs::path(stage.output_dir) / "loss_curve.svg");
  EXPECT_NE(curve.find("<polyline"), std::string::npos);
  EXPECT_EQ(curve, Slurp(fs::path(o.checkpoint) / "loss_curve.svg"));
  // The checkpoint is a model folder the toy (and so the engine's loader) reads back.
  LeastSquaresObjective trained(o.checkpoint);
  EXPECT_NEAR(trained.Params()[0].value[0], 1.0, 0.35);
}

// A run killed at step 15 (after the checkpoint at 10) and resumed ends with the very bytes
// of an uninterrupted run: weights, optimizer state and the log's steps.
TEST_F(TrainerTest, ResumeAfterKillIsBitIdentical) {
  StageRecipe straight = Stage("straight");
  Run(straight);

  StageRecipe killed = Stage("killed");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    TrainOptions options;
    options.after_step = [](int64_t step) {
      if (step == 15) raise(SIGKILL);
    };
    Run(killed, options);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_FALSE(fs::exists(killed.output_dir + "/checkpoint-20"));
  EXPECT_EQ(StepLines(fs::path(killed.output_dir) / "train_log.jsonl").size(), 15u);

  EXPECT_THROW(Run(killed), Error);  // without --resume an existing run is not overwritten
  TrainOptions resume;
  resume.resume = true;
  StageOutcome o = Run(killed, resume);
  EXPECT_EQ(o.steps, 30);
  for (const char* file : {"model.safetensors", "optimizer.safetensors"})
    EXPECT_EQ(Slurp(fs::path(killed.output_dir) / "checkpoint-30" / file),
              Slurp(fs::path(straight.output_dir) / "checkpoint-30" / file))
        << file;
  std::vector<nlohmann::json> a = StepLines(fs::path(straight.output_dir) / "train_log.jsonl");
  std::vector<nlohmann::json> b = StepLines(fs::path(killed.output_dir) / "train_log.jsonl");
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i]["loss"], b[i]["loss"]) << "step " << i + 1;
}

TEST_F(TrainerTest, NonFiniteLossSkipsTheStepAndFrozenGroupsStay) {
  std::ofstream(root_ / "data.jsonl", std::ios::app)
      << R"({"conversations": [{"from": "human", "value": "1 1 1"}, {"from": "gpt", "value": "1e300"}]})" << "\n";
  StageRecipe stage = Stage("nan");
  stage.lrs.Of(ModuleGroup::kProjector).reset();  // b frozen
  stage.global_batch_samples = 2;
  stage.micro_batch_samples = 1;
  StageOutcome o = Run(stage);
  EXPECT_GT(o.skipped_steps, 0);
  int skipped = 0;
  for (const nlohmann::json& step : StepLines(fs::path(stage.output_dir) / "train_log.jsonl"))
    if (step.contains("skipped")) {
      EXPECT_EQ(step["skipped"], "non-finite loss");
      EXPECT_TRUE(step["loss"].is_null());
      ++skipped;
    }
  EXPECT_EQ(skipped, o.skipped_steps);
  LeastSquaresObjective trained(o.checkpoint);
  for (float w : trained.Params()[0].value) EXPECT_TRUE(std::isfinite(w));
  EXPECT_EQ(trained.Params()[1].value[0], 0.0f);
}

TEST_F(TrainerTest, KeepsOnlyTheNewestCheckpoints) {
  StageRecipe stage = Stage("keep");
  stage.save_every_steps = 5;
  stage.keep_checkpoints = 2;
  Run(stage);
  std::vector<std::string> left;
  for (const fs::directory_entry& e : fs::directory_iterator(stage.output_dir))
    if (e.is_directory()) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"checkpoint-25", "checkpoint-30"}));
}

TEST_F(TrainerTest, PackingByTokenBudgetGivesTheSameWeights) {
  StageRecipe plain = Stage("plain");
  StageRecipe packed = Stage("packed");
  packed.micro_batch_tokens = 9;  // two 4-token samples per micro-batch
  Run(plain);
  Run(packed);
  EXPECT_EQ(Slurp(fs::path(plain.output_dir) / "checkpoint-30" / "model.safetensors"),
            Slurp(fs::path(packed.output_dir) / "checkpoint-30" / "model.safetensors"));
}

TEST_F(TrainerTest, RecipeChainsStagesAndResumeSkipsFinishedOnes) {
  Recipe recipe;
  recipe.stages = {Stage("s1"), Stage("s2")};
  recipe.stages[0].steps = 5;
  recipe.stages[1].name = "toy2";
  recipe.stages[1].start_checkpoint.clear();
  recipe.stages[1].steps = 4;
  int made = 0;
  std::vector<std::string> dirs;
  ObjectiveFactory make = [&](const std::string& dir, const StageRecipe&) {
    ++made;
    dirs.push_back(dir);
    return std::make_unique<LeastSquaresObjective>(dir);
  };
  TrainOptions options;
  options.progress = false;
  std::vector<StageOutcome> o = TrainRecipe(recipe, make, options);
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(dirs[1], recipe.stages[0].output_dir + "/checkpoint-5");
  EXPECT_EQ(o[1].checkpoint, recipe.stages[1].output_dir + "/checkpoint-4");
  options.resume = true;
  o = TrainRecipe(recipe, make, options);
  EXPECT_EQ(made, 2);  // both complete: nothing rebuilt
  EXPECT_EQ(o[1].steps, 4);
}

TEST(StageStepsTest, EpochsOverTheGlobalBatch) {
  StageRecipe s;
  s.epochs = 1;
  s.global_batch_samples = 128;
  EXPECT_EQ(StageSteps(s, 1000), 7);
  EXPECT_EQ(StageSteps(s, 10), 1);
  s.epochs = 2.5;
  EXPECT_EQ(StageSteps(s, 1000), 18);
  s.steps = 3;
  EXPECT_EQ(StageSteps(s, 1000), 3);
}

}  // namespace
}  // namespace hm
