// hulumed train RECIPE.json as a user runs it, on the least-squares toy model: progress,
// summary, artifacts, --resume, --strict and recipe errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "apps/cli_testing.h"
#include "core/scratch_dir_testing.h"
#include "train/least_squares_objective.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

class TrainCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LeastSquaresObjective::WriteModel((dir_ / "model").string(), {0, 0}, 0);
    std::ofstream data(dir_ / "data.jsonl");
    for (int i = 0; i < 16; ++i)
      data << R"({"conversations": [{"from": "human", "value": ")" << i % 4 << " " << i / 4 << R"("}, )"
           << R"({"from": "gpt", "value": ")" << 2 * (i % 4) - (i / 4) + 1 << R"("}]})" << "\n";
  }

  std::string WriteRecipe(const std::string& extra) {
    std::string path = (dir_ / "recipe.json").string();
    std::ofstream(path) << R"({"defaults": {"global_batch_samples": 4, "warmup_ratio": 0.1, "save_every_steps": 5)"
                        << extra << R"(},
      "stages": [{"name": "fit", "start_checkpoint": "model", "output_dir": "out", "steps": 12,
                  "data": [{"path": "data.jsonl"}],
                  "modules": {"vision": "frozen", "projector": {"lr": 0.05}, "llm": {"lr": 0.05}}}]})";
    return path;
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(TrainCommandTest, TrainsResumesAndReports) {
  std::string recipe = WriteRecipe("");
  Result r = Hulumed("train " + recipe);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("step 12/12 loss"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lr vision frozen projector"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fit: 12 steps (0 skipped), 0 records skipped"), std::string::npos) << r.out;
  for (const char* f : {"out/checkpoint-5", "out/checkpoint-12/model.safetensors", "out/checkpoint-12/config.json",
                        "out/train_log.jsonl", "out/loss_curve.svg"})
    EXPECT_TRUE(fs::exists(dir_ / f)) << f;

  r = Hulumed("train " + recipe);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("pass --resume to continue it"), std::string::npos) << r.out;
  r = Hulumed("train --resume --no-progress " + recipe);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("fit: already complete"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("last loss nan"), std::string::npos) << r.out;
}

// bf16 compute is the full model's: the toy model says it stays in f32.
TEST_F(TrainCommandTest, Bf16ComputeOnTheToyIsSaidToRunInF32) {
  const Result r = Hulumed("train --no-progress " + WriteRecipe(R"(, "compute_dtype": "bf16")"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("fit asks for bf16 compute; the least-squares toy trains in f32"), std::string::npos) << r.out;
}

TEST_F(TrainCommandTest, BadRecordsAreSkippedOrStopTheRunWithStrict) {
  std::ofstream(dir_ / "data.jsonl", std::ios::app) << R"({"conversations": [{"from": "human", "value": "1 2"}]})"
                                                    << "\n";
  std::string recipe = WriteRecipe("");
  Result r = Hulumed("train --strict " + recipe);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("data.jsonl:17: no assistant (gpt) turn"), std::string::npos) << r.out;
  r = Hulumed("train --no-progress " + recipe);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("skipped: " + (dir_ / "data.jsonl").string() + ":17: no assistant"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 records skipped"), std::string::npos) << r.out;
}

TEST_F(TrainCommandTest, RecipeErrorsNameTheField) {
  Result r = Hulumed("train " + WriteRecipe(R"(, "weight_decay": "none")"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("recipe.json: stages[0].weight_decay: expected a number"), std::string::npos) << r.out;
  r = Hulumed("train");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("give a RECIPE.json"), std::string::npos) << r.out;
}

// A stage on image records trains the tiny Hulu-Med checkpoint, and `run` answers about an
// image with the stage's output.
TEST_F(TrainCommandTest, ImageRecipeTrainsAModelThatRuns) {
  const fs::path images = HULUMED_SOURCE_DIR "/testdata/media/images";
  for (const char* name : {"rgb.png", "gray.png"}) fs::copy_file(images / name, dir_ / name);
  std::ofstream(dir_ / "images.jsonl")
      << R"({"image": "rgb.png", "conversations": [{"from": "human", "value": "<image>\nWhat?"}, {"from": "gpt", "value": "Colors."}]})"
      << "\n"
      << R"({"image": ["rgb.png", "gray.png"], "conversations": [{"from": "human", "value": "<image><image>\nWhat?"}, {"from": "gpt", "value": "Two."}]})"
      << "\n";
  const std::string recipe = (dir_ / "images.json").string();
  std::ofstream(recipe) << R"({"name": "align", "start_checkpoint": ")" HULUMED_SOURCE_DIR R"(/testdata/models/tiny-qwen2",
    "output_dir": "out-images", "steps": 2, "global_batch_samples": 2, "image_merge_size": 1,
    "data": [{"path": "images.jsonl"}],
    "modules": {"vision": {"lr": 1e-3}, "projector": {"lr": 1e-3}, "llm": "frozen"}})";
  Result r = Hulumed("train --no-progress -t 2 " + recipe);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("align: 2 steps (0 skipped), 0 records skipped"), std::string::npos) << r.out;
  r = Hulumed("run -m " + (dir_ / "out-images" / "checkpoint-2").string() + " -t 2 -n 3 -p What? --image " +
              (dir_ / "rgb.png").string());
  EXPECT_EQ(r.status, 0) << r.out;
}

}  // namespace
}  // namespace hm
