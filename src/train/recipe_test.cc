#include "train/recipe.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

TEST(RecipeTest, ShippedCurriculumHasThePapersValues) {
  Recipe r = ReadRecipe(HULUMED_SOURCE_DIR "/recipes/hulumed-3stage.json");
  ASSERT_EQ(r.stages.size(), 3u);
  const StageRecipe& s1 = r.stages[0];
  EXPECT_EQ(s1.name, "stage1-alignment");
  EXPECT_DOUBLE_EQ(*s1.lrs.Of(ModuleGroup::kVision), 1e-5);
  EXPECT_DOUBLE_EQ(*s1.lrs.Of(ModuleGroup::kProjector), 1e-3);
  EXPECT_FALSE(s1.lrs.Trains(ModuleGroup::kLlm));
  EXPECT_FALSE(s1.token_reduction);
  EXPECT_EQ(s1.global_batch_samples, 128);
  EXPECT_EQ(s1.AccumulationSteps(), 128);
  EXPECT_EQ(s1.AccumulationSteps(4), 32);
  EXPECT_DOUBLE_EQ(s1.epochs, 1.0);
  EXPECT_DOUBLE_EQ(s1.warmup_ratio, 0.03);
  EXPECT_DOUBLE_EQ(s1.adamw.weight_decay, 0.0);
  EXPECT_DOUBLE_EQ(s1.max_grad_norm, 1.0);
  EXPECT_EQ(s1.compute_dtype, "bf16");
  EXPECT_EQ(s1.max_length, 16384);
  EXPECT_EQ(s1.max_visual_tokens, 10240);
  EXPECT_EQ(s1.max_frames, 180);
  EXPECT_EQ(s1.video_merge_size, 2);
  EXPECT_EQ(s1.keep_checkpoints, 2);
  EXPECT_EQ(s1.sources.at("warmup_ratio"), "VideoLLaMA3 default (not in the paper)");
  EXPECT_TRUE(fs::path(s1.start_checkpoint).is_absolute());

  const StageRecipe& s2 = r.stages[1];
  EXPECT_DOUBLE_EQ(*s2.lrs.Of(ModuleGroup::kVision), 2e-6);
  EXPECT_DOUBLE_EQ(*s2.lrs.Of(ModuleGroup::kProjector), 1e-5);
  EXPECT_DOUBLE_EQ(*s2.lrs.Of(ModuleGroup::kLlm), 2.5e-5);
  EXPECT_TRUE(s2.start_checkpoint.empty());  // continues from stage 1's output
  ASSERT_EQ(s2.data.size(), 3u);
  EXPECT_DOUBLE_EQ(s2.data[2].weight, 0.1);
  EXPECT_EQ(s2.sources.at("seed"), "HF Trainer default");  // defaults' notes carry over

  const StageRecipe& s3 = r.stages[2];
  EXPECT_DOUBLE_EQ(*s3.lrs.Of(ModuleGroup::kLlm), 5e-5);
  EXPECT_TRUE(s3.token_reduction);
  EXPECT_EQ(s3.data.size(), 5u);
}

class RecipeErrorTest : public ::testing::Test {
 protected:
  // Writes a one-stage recipe with `extra` fields spliced in and returns the error, or "".
  std::string ErrorOf(const std::string& fields) {
    std::string path = (dir_ / "r.json").string();
    std::ofstream(path) << "{\"start_checkpoint\": \"m\", \"output_dir\": \"out\", "
                           "\"data\": [{\"path\": \"d.jsonl\"}], " << fields << "}";
    try {
      ReadRecipe(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

constexpr const char* kModules = "\"modules\": {\"vision\": \"frozen\", \"projector\": {\"lr\": 1e-3}, \"llm\": \"frozen\"}";

TEST_F(RecipeErrorTest, ValidStageParsesWithPathsBesideTheRecipe) {
  EXPECT_EQ(ErrorOf(std::string(kModules) + ", \"steps\": 10"), "");
  Recipe r = ReadRecipe((dir_ / "r.json").string());
  EXPECT_EQ(r.stages[0].data[0].path, (dir_ / "d.jsonl").string());
  EXPECT_EQ(r.stages[0].data[0].media_root, dir_.string());
  EXPECT_EQ(r.stages[0].steps, 10);
}

TEST_F(RecipeErrorTest, ErrorsNameTheField) {
  std::string m = std::string(kModules) + ", ";
  EXPECT_NE(ErrorOf(m + "\"steps\": 10, \"warmup_ratoi\": 0.1").find("r.json: stage.warmup_ratoi: unknown field"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "\"steps\": \"10\"").find("stage.steps: expected an integer"), std::string::npos);
  EXPECT_NE(ErrorOf(m + "\"steps\": 10, \"epochs\": 1").find("exactly one of steps or epochs"), std::string::npos);
  EXPECT_NE(ErrorOf(kModules).find("exactly one of steps or epochs"), std::string::npos);
  EXPECT_NE(ErrorOf(m + "\"steps\": 1, \"warmup_ratio\": 2").find("stage.warmup_ratio: 2 is outside [0, 1]"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "\"steps\": 1, \"micro_batch_samples\": 3").find("not a multiple of micro_batch_samples 3"),
            std::string::npos);
  EXPECT_NE(ErrorOf(m + "\"steps\": 1, \"sources\": {\"lr\": \"paper\"}").find("stage.sources.lr: names no field"),
            std::string::npos);
  EXPECT_NE(ErrorOf("\"modules\": {\"vision\": \"frozen\", \"projector\": \"frozen\"}, \"steps\": 1")
                .find("stage.modules.llm: missing"),
            std::string::npos);
  EXPECT_NE(ErrorOf("\"modules\": {\"vision\": \"frozen\", \"projector\": \"frozen\", \"llm\": \"frozen\"}, \"steps\": 1")
                .find("nothing would train"),
            std::string::npos);
  EXPECT_NE(ErrorOf("\"modules\": {\"vision\": {\"lr\": \"fast\"}, \"projector\": \"frozen\", \"llm\": \"frozen\"}, "
                    "\"steps\": 1")
                .find("stage.modules.vision.lr: expected a number"),
            std::string::npos);
}

}  // namespace
}  // namespace hm
