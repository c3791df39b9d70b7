// Training from a pack (`hulumed data pack`) is training from the file it was packed from:
// the same samples drawn, the same tokens and pixels, bit-identical weights, also after a
// resume; a damaged shard or a pack made with other settings is an error naming it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/file_bytes.h"
#include "data/png_writer.h"
#include "train/decoder_objective.h"
#include "train/lora_objective.h"
#include "train/pack.h"
#include "train/trainer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const std::string kModel = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
const fs::path kImages = HULUMED_SOURCE_DIR "/testdata/media/images";

TrainOptions Quiet(bool resume = false, std::function<void(int64_t)> after_step = {}) {
  TrainOptions o;
  o.progress = false;
  o.resume = resume;
  o.after_step = std::move(after_step);
  return o;
}

class PackedTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream out(jsonl_);
    auto record = [&](const nlohmann::json& image, const std::string& question, const std::string& answer) {
      nlohmann::json r = {{"conversations", {{{"from", "human"}, {"value", question}}, {{"from", "gpt"}, {"value", answer}}}}};
      if (!image.is_null()) r["image"] = image;
      out << r.dump() << "\n";
    };
    record(nullptr, "What is the heart?", "An organ that pumps blood.");
    record((kImages / "rgb.png").string(), "<image>\nWhat is shown?", "A color gradient.");
    record(nullptr, "Name a bone.", "The femur.");
    record((kImages / "gray.png").string(), "<image>\nWhat is shown?", "A gray ramp.");
    record("missing.png", "<image>\nWhat is shown?", "Nothing.");  // skipped by both
    record({(kImages / "bilevel.png").string(), (kImages / "palette.png").string()}, "<image><image>\nCompare them.",
           "Black and white, then colours.");
    record(nullptr, "Say hi.", "Hi.");
    std::string lobes;
    for (int i = 0; i < 8; ++i) lobes += "Right: upper, middle, lower. Left: upper, lower. ";
    record(nullptr, "List the lung lobes.", lobes);  // the longest: over the stage's max_length
    // Large enough that merging 2x2 gives fewer visual tokens (the fixtures' small images are
    // lifted to the processor's minimum either way).
    Image large{112, 84, std::vector<uint8_t>(112 * 84 * 3)};
    for (size_t i = 0; i < large.rgb.size(); ++i) large.rgb[i] = static_cast<uint8_t>(i * 7 % 251);
    WritePng((dir_ / "large.png").string(), large);
    record("large.png", "<image>\nWhat is shown?", "Noise.");
    out.close();
    // Small shards, so the draws cross shards and reopen closed ones.
    PackOptions options = PackInto(pack_);
    options.shard_tokens = 32;
    const PackSummary s = PackRecords(options);
    ASSERT_GT(s.shards, 4u);
    const TokenShardReader reader(pack_.string());
    for (int64_t i = 0; i < reader.size(); ++i) longest_ = std::max(longest_, reader.Length(i));
  }

  PackOptions PackInto(const fs::path& out) const {
    PackOptions o;
    o.inputs = {jsonl_.string()};
    o.model_dir = kModel;
    o.out_dir = out.string();
    return o;
  }

  StageRecipe Stage(const std::string& data, const std::string& out) const {
    StageRecipe stage;
    stage.name = "packed";
    stage.start_checkpoint = kModel;
    stage.output_dir = (dir_ / out).string();
    stage.data = {{data, 1.0, dir_.string()}};
    stage.lrs.Of(ModuleGroup::kVision) = 1e-3;
    stage.lrs.Of(ModuleGroup::kProjector) = 1e-2;
    stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
    stage.max_length = longest_ - 1;  // the longest sample is over it: skipped by both
    stage.steps = 5;
    stage.global_batch_samples = 4;
    stage.micro_batch_samples = 4;
    stage.save_every_steps = 2;
    return stage;
  }

  StageOutcome Train(const StageRecipe& stage, const TrainOptions& options = Quiet()) const {
    DecoderObjective objective(stage.start_checkpoint, 2, StageMediaOptions(stage));
    return TrainStage(stage, stage.start_checkpoint, objective, options);
  }

  void ExpectSameWeights(const std::string& a, const std::string& b) const {
    for (const char* file : {"model.safetensors", "optimizer.safetensors"})
      EXPECT_EQ(ReadFileBytes((dir_ / a / "checkpoint-5" / file).string()),
                ReadFileBytes((dir_ / b / "checkpoint-5" / file).string()))
          << a << " vs " << b << ": " << file;
  }

  std::string ErrorOf(const StageRecipe& stage) const {
    try {
      Train(stage);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
  const fs::path jsonl_ = dir_ / "data.jsonl";
  const fs::path pack_ = dir_ / "pack";
  int64_t longest_ = 0;
};

TEST_F(PackedTraining, GivesTheWeightsOfItsJsonlAndResumesExactly) {
  testing::internal::CaptureStderr();
  const StageOutcome from_file = Train(Stage(jsonl_.string(), "jsonl"));
  const StageOutcome from_pack = Train(Stage((pack_ / "index.json").string(), "pack"));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(from_file.skipped_records, 2);
  EXPECT_EQ(from_pack.skipped_records, 2);
  EXPECT_NE(err.find(jsonl_.string() + ":5: "), std::string::npos) << err;
  EXPECT_NE(err.find(jsonl_.string() + ":8: " + std::to_string(longest_) + " tokens, over the maximum length"),
            std::string::npos)
      << err;
  ExpectSameWeights("jsonl", "pack");

  const StageRecipe stage = Stage(pack_.string(), "killed");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Train(stage, Quiet(false, [](int64_t step) {
            if (step == 3) raise(SIGKILL);
          }));
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  testing::internal::CaptureStderr();
  EXPECT_EQ(Train(stage, Quiet(true)).steps, 5);
  testing::internal::GetCapturedStderr();
  ExpectSameWeights("jsonl", "killed");
}

// A LoRA stage (dropout on, decoder and vision adapters) from the pack, too.
TEST_F(PackedTraining, LoraGivesTheAdapterOfItsJsonl) {
  auto train = [&](const std::string& data, const std::string& out) {
    StageRecipe stage = Stage(data, out);
    stage.lora = LoraStage{{4, 8.0, 0.1, false}, {"q_proj", "down_proj"}, {"fc1"}, false};
    stage.lrs.Of(ModuleGroup::kProjector).reset();
    LoraObjective objective(stage.start_checkpoint, *stage.lora, stage.seed, 2, StageMediaOptions(stage));
    testing::internal::CaptureStderr();
    TrainStage(stage, stage.start_checkpoint, objective, Quiet());
    testing::internal::GetCapturedStderr();
  };
  train(jsonl_.string(), "lora-jsonl");
  train(pack_.string(), "lora-pack");
  const std::string adapter = "adapter_model.safetensors";
  EXPECT_EQ(ReadFileBytes((dir_ / "lora-jsonl" / "checkpoint-5" / adapter).string()),
            ReadFileBytes((dir_ / "lora-pack" / "checkpoint-5" / adapter).string()));
}

TEST_F(PackedTraining, ADamagedShardIsAnErrorNamingIt) {
  // Each damage on its own copy of the pack: the file it names, and what is wrong.
  auto damaged = [&](const std::string& name, const std::string& file, const std::function<void(const fs::path&)>& damage) {
    const fs::path copy = dir_ / name;
    fs::copy(pack_, copy);
    damage(copy / file);
    const std::string err = ErrorOf(Stage(copy.string(), name + "-out"));
    EXPECT_NE(err.find((copy / file).string()), std::string::npos) << err;
    return err;
  };
  EXPECT_NE(damaged("cut", "shard-00001.ids.npy", [](const fs::path& f) { fs::resize_file(f, fs::file_size(f) - 4); })
                .find("data bytes"),
            std::string::npos);
  damaged("gone", "shard-00002.labels.npy", [](const fs::path& f) { fs::remove(f); });
  EXPECT_NE(damaged("line", "shard-00003.media.jsonl",
                    [](const fs::path& f) { std::ofstream(f, std::ios::app) << "{\"where\": "; })
                .find("cut short"),
            std::string::npos);
}

// --strict: the first bad record the pack lists stops the run, as it would in the file.
TEST_F(PackedTraining, StrictStopsAtTheFirstRecordThePackSkipped) {
  TrainOptions strict = Quiet();
  strict.strict = true;
  try {
    Train(Stage(pack_.string(), "strict"), strict);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(jsonl_.string() + ":5: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(--strict: stopping)"), std::string::npos) << e.what();
  }
}

TEST_F(PackedTraining, SettingsOtherThanThePacksAreRefused) {
  // Images merged 2x2: a quarter of the visual tokens the pack was made with.
  StageRecipe stage = Stage(pack_.string(), "merge");
  stage.image_merge_size = 2;
  std::string err = ErrorOf(stage);
  EXPECT_NE(err.find("packed with other visual settings"), std::string::npos) << err;
  EXPECT_NE(err.find(jsonl_.string() + ":"), std::string::npos) << err;
  // Packed for the stage (`data pack --recipe`), it trains.
  PackOptions options = PackInto(dir_ / "merged");
  options.media = StageMediaOptions(stage);
  PackRecords(options);
  stage = Stage((dir_ / "merged").string(), "merged-out");
  stage.image_merge_size = 2;
  stage.steps = 1;
  EXPECT_EQ(Train(stage).steps, 1);

  // Another checkpoint's tokenizer.
  const fs::path other = dir_ / "other-model";
  fs::copy(kModel, other);
  std::ofstream(other / "tokenizer.json", std::ios::app) << " ";
  stage = Stage(pack_.string(), "tokenizer");
  stage.start_checkpoint = other.string();
  err = ErrorOf(stage);
  EXPECT_NE(err.find("packed with another tokenizer"), std::string::npos) << err;

  // An unfinished pack.
  nlohmann::json index = nlohmann::json::parse(ReadFileBytes((pack_ / "index.json").string()));
  index["complete"] = false;
  std::ofstream(pack_ / "index.json") << index.dump();
  err = ErrorOf(Stage(pack_.string(), "unfinished"));
  EXPECT_NE(err.find("the pack is unfinished"), std::string::npos) << err;
}

}  // namespace
}  // namespace hm
