#include "model/create_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "model/model.h"
#include "text/byte_level.h"
#include "text/tokenizer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CreateModel, EveryPresetLoadsBackAndIsLabelledUntrained) {
  for (const std::string& preset : {std::string("tiny"), std::string("tiny-qwen3")}) {
    const fs::path dir = fs::temp_directory_path() / ("hm_create_" + preset);
    fs::remove_all(dir);
    CreateModel({preset, dir.string(), DType::kBF16, 7});
    Model model(dir.string());  // binds and validates every tensor
    EXPECT_EQ(model.weights().decoder.qk_norm, preset == "tiny-qwen3");
    EXPECT_FALSE(model.config().fixture_note.empty());
    EXPECT_EQ(model.generation_defaults().eos_ids.size(), 2u);
    const Tokenizer tok = Tokenizer::FromDir(dir.string());
    const std::string text = "<|im_start|>user\nCT thorax: 3 mm nodule? <image>\n";
    EXPECT_EQ(tok.Decode(tok.Encode(text), false), text);
    EXPECT_EQ(tok.Encode("<image>")[0], model.config().image_token_index);
    fs::remove_all(dir);
  }
  EXPECT_EQ(ModelPresetNames().size(), 4u);
}

TEST(CreateModel, SameSeedSameBytes) {
  const fs::path a = fs::temp_directory_path() / "hm_create_a", b = fs::temp_directory_path() / "hm_create_b";
  CreateModel({"tiny", a.string(), DType::kF32, 3});
  CreateModel({"tiny", b.string(), DType::kF32, 3});
  EXPECT_EQ(ReadAll(a / "model.safetensors"), ReadAll(b / "model.safetensors"));
  CreateModel({"tiny", b.string(), DType::kF32, 4});
  EXPECT_NE(ReadAll(a / "model.safetensors"), ReadAll(b / "model.safetensors"));
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(CreateModel, RejectsUnknownPreset) {
  EXPECT_THROW(CreateModel({"70b", (fs::temp_directory_path() / "hm_x").string()}), Error);
}

TEST(ByteLevel, EveryByteRoundTrips) {
  for (int b = 0; b < 256; ++b) {
    const std::string byte(1, static_cast<char>(b));
    EXPECT_EQ(ByteLevelToBytes(BytesToByteLevel(byte)), byte) << b;
  }
}

}  // namespace
}  // namespace hm
