#include "model/config.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm {
namespace {

nlohmann::json Qwen2() {
  return nlohmann::json::parse(R"({
    "model_type": "hulumed_qwen2", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "vocab_size": 320,
    "max_position_embeddings": 512, "tie_word_embeddings": false, "torch_dtype": "float32",
    "mm_projector_type": "mlp2x_gelu", "use_token_compression": true, "image_token_index": 300,
    "vision_encoder_config": {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 2, "num_channels": 3, "patch_size": 14, "layer_norm_eps": 1e-6,
      "hidden_act": "gelu_pytorch_tanh"}})");
}

std::string ErrorOf(const nlohmann::json& j) {
  try {
    ParseModelConfig(j, "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, ParsesHulumedQwen2) {
  ModelConfig c = ParseModelConfig(Qwen2(), "config.json");
  EXPECT_EQ(c.llm.head_dim, 16);
  EXPECT_EQ(c.llm.n_kv_heads, 2);
  EXPECT_DOUBLE_EQ(c.llm.rope_theta, 1e6);
  ASSERT_TRUE(c.vision.has_value());
  EXPECT_EQ(c.vision->patch_size, 14);
  EXPECT_EQ(c.projector_depth, 2);
  EXPECT_EQ(c.image_token_index, 300);
  EXPECT_TRUE(c.use_token_compression);
}

TEST(Config, ExplicitHeadDimAndPlainQwen) {
  auto j = Qwen2();
  j["model_type"] = "qwen3";
  j["head_dim"] = 32;
  j.erase("vision_encoder_config");
  ModelConfig c = ParseModelConfig(j, "config.json");
  EXPECT_EQ(c.llm.head_dim, 32);
  EXPECT_FALSE(c.vision.has_value());
}

TEST(Config, ErrorsNameTheKey) {
  auto j = Qwen2();
  j["model_type"] = "llama";
  EXPECT_NE(ErrorOf(j).find("unknown model_type 'llama'"), std::string::npos);
  j = Qwen2();
  j.erase("hidden_size");
  EXPECT_NE(ErrorOf(j).find("missing required key 'hidden_size'"), std::string::npos);
  j = Qwen2();
  j["num_key_value_heads"] = 3;
  EXPECT_NE(ErrorOf(j).find("not a multiple"), std::string::npos);
  j = Qwen2();
  j["vocab_size"] = "many";
  EXPECT_NE(ErrorOf(j).find("'vocab_size' must be a positive integer"), std::string::npos);
  j = Qwen2();
  j["mm_projector_type"] = "simp_spatial_conv";
  EXPECT_NE(ErrorOf(j).find("unsupported mm_projector_type"), std::string::npos);
  j = Qwen2();
  j.erase("vision_encoder_config");
  EXPECT_NE(ErrorOf(j).find("needs vision_encoder_config"), std::string::npos);
  j = Qwen2();
  j["vision_encoder_config"]["hidden_act"] = "relu";
  EXPECT_NE(ErrorOf(j).find("unsupported hidden_act"), std::string::npos);
  EXPECT_NE(ErrorOf(nlohmann::json::array()).find("JSON object"), std::string::npos);
}

}  // namespace
}  // namespace hm
