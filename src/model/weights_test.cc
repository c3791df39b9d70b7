#include "model/weights.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "io/json_file.h"
#include "model/model.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(HULUMED_SOURCE_DIR) / "testdata" / "models";

TEST(Weights, BindsBothFamiliesAndBothVisionNamings) {
  Model qwen2((kModels / "tiny-qwen2").string());
  EXPECT_FALSE(qwen2.weights().decoder.qk_norm);
  EXPECT_TRUE(qwen2.weights().decoder.qkv_bias);
  EXPECT_NE(qwen2.weights().decoder.lm_head.data, qwen2.weights().decoder.embed.data);
  ASSERT_TRUE(qwen2.weights().vision.has_value());
  EXPECT_EQ(qwen2.weights().projector.size(), 2u);

  Model qwen3((kModels / "tiny-qwen3").string());  // sharded, tied, original vision nesting
  EXPECT_TRUE(qwen3.weights().decoder.qk_norm);
  EXPECT_FALSE(qwen3.weights().decoder.qkv_bias);
  EXPECT_EQ(qwen3.weights().decoder.lm_head.data, qwen3.weights().decoder.embed.data);
  EXPECT_EQ(qwen3.weights().vision->patch_embed.weight.cols, 3 * 14 * 14);

  Model bf16((kModels / "tiny-qwen2-bf16").string());
  EXPECT_EQ(bf16.weights().decoder.embed.dtype, DType::kBF16);
}

// Copies tiny-qwen2 with one tensor dropped, renamed or reshaped.
class BrokenCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f : {"config.json", "generation_config.json"})
      fs::copy_file(kModels / "tiny-qwen2" / f, dir_ / f);
  }

  void Rewrite(const std::function<void(std::vector<TensorToWrite>&)>& edit) {
    SafetensorsFile src((kModels / "tiny-qwen2" / "model.safetensors").string());
    std::vector<TensorToWrite> tensors;
    for (const SafetensorsEntry& e : src.header().tensors) {
      TensorView v = src.View(e);
      tensors.push_back({e.name, e.dtype, e.shape, [v](std::span<uint8_t> d) {
                           std::memcpy(d.data(), v.data, d.size());
                         }});
    }
    edit(tensors);
    WriteSafetensors((dir_ / "model.safetensors").string(), tensors);
  }

  std::string LoadError() {
    try {
      Model m(dir_.string());
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(BrokenCheckpoint, PlainQwenWithoutVisionLoads) {
  nlohmann::json config = ReadJsonFile((kModels / "tiny-qwen2" / "config.json").string());
  config["model_type"] = "qwen2";
  config.erase("vision_encoder_config");
  std::ofstream(dir_ / "config.json") << config.dump();
  Rewrite([](auto& t) { std::erase_if(t, [](auto& x) { return !x.name.starts_with("model.layers") &&
                                                              !x.name.starts_with("model.embed") &&
                                                              !x.name.starts_with("model.norm") &&
                                                              !x.name.starts_with("lm_head"); }); });
  Model m(dir_.string());
  EXPECT_EQ(m.vision(), nullptr);
  EXPECT_TRUE(m.weights().projector.empty());
}

TEST_F(BrokenCheckpoint, MissingTensorIsNamed) {
  Rewrite([](auto& t) { std::erase_if(t, [](auto& x) { return x.name == "model.layers.1.mlp.up_proj.weight"; }); });
  EXPECT_NE(LoadError().find("missing tensor 'model.layers.1.mlp.up_proj.weight'"), std::string::npos);
}

TEST_F(BrokenCheckpoint, ExtraTensorIsNamed) {
  Rewrite([](auto& t) { t.push_back({"model.layers.9.surprise", DType::kF32, {1}, [](auto) {}}); });
  EXPECT_NE(LoadError().find("unexpected tensor 'model.layers.9.surprise'"), std::string::npos);
}

TEST_F(BrokenCheckpoint, WrongShapeIsNamed) {
  Rewrite([](auto& t) {
    for (auto& x : t)
      if (x.name == "model.norm.weight") x.shape = {32, 2};
  });
  const std::string e = LoadError();
  EXPECT_NE(e.find("'model.norm.weight' has shape [32, 2], expected [64]"), std::string::npos) << e;
}

TEST_F(BrokenCheckpoint, WrongDtypeIsNamed) {
  Rewrite([](auto& t) {
    for (auto& x : t)
      if (x.name == "model.norm.weight") x.dtype = DType::kI32;
  });
  EXPECT_NE(LoadError().find("has dtype I32"), std::string::npos);
}

}  // namespace
}  // namespace hm
