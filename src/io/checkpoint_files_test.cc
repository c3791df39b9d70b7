#include "io/checkpoint_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

void Tensor(const fs::path& file, std::vector<std::string> names) {
  std::vector<TensorToWrite> t;
  for (const std::string& n : names) t.push_back({n, DType::kF32, {2}, [](std::span<uint8_t>) {}});
  WriteSafetensors(file.string(), t);
}

std::string ErrorOf(const fs::path& dir) {
  try {
    CheckpointFiles files(dir.string());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class CheckpointFilesTest : public ::testing::Test {
 protected:
  void WriteIndex(const std::string& text) { std::ofstream(dir_ / "model.safetensors.index.json") << text; }
  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(CheckpointFilesTest, SingleFile) {
  Tensor(dir_ / "model.safetensors", {"a", "b"});
  CheckpointFiles files(dir_.string());
  EXPECT_NE(files.Find("a"), nullptr);
  EXPECT_EQ(files.Find("c"), nullptr);
  EXPECT_EQ(files.total_bytes(), 16u);
}

TEST_F(CheckpointFilesTest, ShardedWithIndex) {
  Tensor(dir_ / "s1.safetensors", {"a"});
  Tensor(dir_ / "s2.safetensors", {"b"});
  WriteIndex(R"({"metadata":{},"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  CheckpointFiles files(dir_.string());
  EXPECT_EQ(files.Names().size(), 2u);
  EXPECT_EQ(fs::path(files.FileOf("b")).filename(), "s2.safetensors");
}

TEST_F(CheckpointFilesTest, ClearErrors) {
  EXPECT_NE(ErrorOf(dir_).find("no model.safetensors"), std::string::npos);
  EXPECT_NE(ErrorOf(dir_ / "nope").find("not a checkpoint directory"), std::string::npos);
  Tensor(dir_ / "s1.safetensors", {"a"});
  WriteIndex(R"({"weight_map":{"a":"s1.safetensors","b":"s9.safetensors"}})");
  EXPECT_NE(ErrorOf(dir_).find("s9.safetensors: cannot open"), std::string::npos);
  WriteIndex(R"({"weight_map":{"a":"s1.safetensors","b":"s1.safetensors"}})");
  EXPECT_NE(ErrorOf(dir_).find("'b' is listed in s1.safetensors but not stored"), std::string::npos);
  WriteIndex(R"({"weight_map":{"a":"../s1.safetensors"}})");
  EXPECT_NE(ErrorOf(dir_).find("plain file name"), std::string::npos);
  WriteIndex(R"({"weight_map": )");
  EXPECT_NE(ErrorOf(dir_).find("invalid JSON"), std::string::npos);
  Tensor(dir_ / "s2.safetensors", {"a"});
  WriteIndex(R"({"weight_map":{"a":"s1.safetensors","x":"s2.safetensors"}})");
  EXPECT_NE(ErrorOf(dir_).find("also stored"), std::string::npos);
}

}  // namespace
}  // namespace hm
