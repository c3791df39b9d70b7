#include "train/release_checkpoint.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "io/checkpoint_files.h"
#include "io/safetensors.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

class ReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ / "ckpt");
    std::ofstream(root_ / "ckpt" / "config.json") << R"({"model_type": "hulumed_qwen2"})";
    std::ofstream(root_ / "ckpt" / "tokenizer.json") << "{}";
    std::ofstream(root_ / "ckpt" / "trainer_state.json") << "{}";
    std::ofstream(root_ / "card.md") << "# card\n";
  }

  void WriteWeights(std::vector<float> w) {
    const std::vector<int32_t> ids = {7, 9};
    WriteSafetensors((root_ / "ckpt" / "model.safetensors").string(),
                     {{"w", DType::kF32, {2, 2}, [w](std::span<uint8_t> o) { std::memcpy(o.data(), w.data(), 16); }},
                      {"ids", DType::kI32, {2}, [ids](std::span<uint8_t> o) { std::memcpy(o.data(), ids.data(), 8); }}});
    fs::copy_file(root_ / "ckpt" / "model.safetensors", root_ / "ckpt" / "optimizer.safetensors",
                  fs::copy_options::overwrite_existing);
  }

  ScratchDir scratch_;
  const fs::path root_ = scratch_.path();
};

TEST_F(ReleaseTest, HalvesFloatWeightsAndLeavesTrainingStateBehind) {
  WriteWeights({0.1f, -2.5f, 1000.0f, 3e-5f});
  const fs::path out = root_ / "release";
  EXPECT_EQ(WriteRelease({(root_ / "ckpt").string(), out.string(), DType::kF16, {(root_ / "card.md").string()}}),
            4 * 2 + 2 * 4);
  CheckpointFiles files(out.string());
  const TensorView* w = files.Find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::kF16);
  const auto* h = static_cast<const uint16_t*>(w->data);
  const float want[] = {0.1f, -2.5f, 1000.0f, 3e-5f};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(F16ToF32(h[i]), want[i], std::abs(want[i]) * 1e-3f) << i;
  EXPECT_EQ(files.Find("ids")->dtype, DType::kI32);  // not a float: kept as it is
  EXPECT_TRUE(fs::exists(out / "config.json"));
  EXPECT_TRUE(fs::exists(out / "tokenizer.json"));
  EXPECT_TRUE(fs::exists(out / "card.md"));
  EXPECT_FALSE(fs::exists(out / "trainer_state.json"));
  EXPECT_FALSE(fs::exists(out / "optimizer.safetensors"));
}

TEST_F(ReleaseTest, AWeightTooLargeForF16IsAnErrorAndWritesNothing) {
  WriteWeights({0.1f, 70000.0f, 0.0f, 0.0f});
  const fs::path out = root_ / "release";
  try {
    WriteRelease({(root_ / "ckpt").string(), out.string(), DType::kF16, {}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w[1] = 70000 does not fit F16"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
  // bf16 has f32's range.
  EXPECT_GT(WriteRelease({(root_ / "ckpt").string(), out.string(), DType::kBF16, {}}), 0);
}

}  // namespace
}  // namespace hm
