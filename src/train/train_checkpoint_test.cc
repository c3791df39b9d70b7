#include "train/train_checkpoint.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "io/checkpoint_files.h"
#include "io/safetensors.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TrainCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ / "model");
    model_ = (root_ / "model").string();
    out_ = (root_ / "out").string();
    // A starting model: a [2, 3] matrix and a bias that train, and a bf16 buffer that does not.
    std::vector<float> w(6, 0.5f), b(3, 0.25f);
    std::vector<uint16_t> table = {0x3f80, 0x4000};
    WriteSafetensors(model_ + "/model.safetensors",
                     {{"w", DType::kF32, {2, 3}, [&](std::span<uint8_t> o) { std::memcpy(o.data(), w.data(), 24); }},
                      {"b", DType::kF32, {3}, [&](std::span<uint8_t> o) { std::memcpy(o.data(), b.data(), 12); }},
                      {"table", DType::kBF16, {2}, [&](std::span<uint8_t> o) { std::memcpy(o.data(), table.data(), 4); }}});
    std::ofstream(root_ / "model" / "config.json")
        << R"({"model_type": "hulumed_qwen2", "hulumed_fixture": "untrained random weights"})";
    std::ofstream(root_ / "model" / "tokenizer.json") << "{}";
    std::ofstream(root_ / "model" / "trainer_state.json") << "{\"stale\": true}";  // a previous run's: not copied
    w_ = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    b_ = {1, 2, 3};
    gw_.assign(6, 0.1f);
    gb_.assign(3, -0.2f);
    params_ = {{"w", w_, gw_, ModuleGroup::kLlm, true}, {"b", b_, gb_, ModuleGroup::kLlm, false}};
    opt_ = std::make_unique<AdamW>(params_, AdamWOptions{});
    GroupLrs lrs;
    lrs.Of(ModuleGroup::kLlm) = 0.01;
    opt_->Step(params_, lrs);
  }

  CheckpointContents Contents(int64_t step) {
    return {params_, opt_.get(), {{"step", step}, {"cursor", {1, 2}}}, model_, {{"loss_curve.svg", "<svg/>"}}};
  }

  ScratchDir scratch_;
  const fs::path root_ = scratch_.path();
  std::string model_, out_;
  std::vector<float> w_, b_, gw_, gb_;
  std::vector<TrainParam> params_;
  std::unique_ptr<AdamW> opt_;
};

TEST_F(TrainCheckpointTest, IsAModelFolderAndRestoresExactly) {
  std::string dir = WriteTrainCheckpoint(out_, 7, Contents(7));
  EXPECT_EQ(dir, out_ + "/checkpoint-7");
  CheckpointFiles files(dir);
  EXPECT_EQ(files.Find("w")->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(files.Find("table")->dtype, DType::kBF16);
  // The starting model's "untrained" mark does not follow its trained weights.
  EXPECT_EQ(nlohmann::json::parse(Slurp(fs::path(dir) / "config.json")),
            nlohmann::json::parse(R"({"model_type": "hulumed_qwen2"})"));
  EXPECT_TRUE(fs::exists(fs::path(dir) / "tokenizer.json"));
  EXPECT_EQ(Slurp(fs::path(dir) / "loss_curve.svg"), "<svg/>");
  EXPECT_EQ(LatestTrainCheckpoint(out_), dir);

  std::vector<float> w2(6), b2(3), g2(6), gb2(3);
  std::vector<TrainParam> restored = {{"w", w2, g2, ModuleGroup::kLlm, true}, {"b", b2, gb2, ModuleGroup::kLlm, false}};
  AdamW opt2(restored, {});
  nlohmann::json state = ReadTrainCheckpoint(dir, restored, &opt2);
  EXPECT_EQ(state["step"], 7);
  EXPECT_FALSE(state.contains("stale"));
  EXPECT_EQ(w2, w_);
  EXPECT_EQ(b2, b_);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(opt2.state(i).step, 1);
    EXPECT_EQ(opt2.state(i).exp_avg, opt_->state(i).exp_avg);
    EXPECT_EQ(opt2.state(i).exp_avg_sq, opt_->state(i).exp_avg_sq);
  }
}

// A full disk, simulated by a file-size limit: the write fails with an error naming the
// file, no partial folder is left, and the previous checkpoint is untouched.
TEST_F(TrainCheckpointTest, FullDiskLeavesTheLastGoodCheckpoint) {
  std::string first = WriteTrainCheckpoint(out_, 1, Contents(1));
  std::string before = Slurp(fs::path(first) / "model.safetensors");
  w_[0] = 42;
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG instead
  struct rlimit small = {64, old.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    WriteTrainCheckpoint(out_, 2, Contents(2));
  } catch (const Error& e) {
    error = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  EXPECT_NE(error.find("checkpoint " + out_ + "/checkpoint-2 not written"), std::string::npos) << error;
  EXPECT_NE(error.find("model.safetensors: write failed"), std::string::npos) << error;
  EXPECT_NE(error.find("the last complete checkpoint " + first + " is intact"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(out_ + "/checkpoint-2"));
  EXPECT_FALSE(fs::exists(out_ + "/.tmp-checkpoint-2"));
  EXPECT_EQ(LatestTrainCheckpoint(out_), first);
  EXPECT_EQ(Slurp(fs::path(first) / "model.safetensors"), before);
}

// A process killed in the middle of writing (here by SIGXFSZ, delivered by the kernel at the
// first write past a 1 KiB limit) leaves only a temporary folder that is never taken for a
// checkpoint; the next write replaces it.
TEST_F(TrainCheckpointTest, KillMidWriteLeavesTheLastGoodCheckpoint) {
  std::string first = WriteTrainCheckpoint(out_, 1, Contents(1));
  w_.resize(1024);  // a larger tensor, so the kill lands inside model.safetensors
  gw_.resize(1024);
  params_[0].value = w_;
  params_[0].grad = gw_;
  AdamW bigger(params_, {});
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    struct rlimit small = {1024, RLIM_INFINITY};
    setrlimit(RLIMIT_FSIZE, &small);
    CheckpointContents c = Contents(2);
    c.optimizer = &bigger;
    WriteTrainCheckpoint(out_, 2, c);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGXFSZ);
  EXPECT_TRUE(fs::exists(out_ + "/.tmp-checkpoint-2"));
  EXPECT_FALSE(fs::exists(out_ + "/checkpoint-2"));
  EXPECT_EQ(LatestTrainCheckpoint(out_), first);
  CheckpointFiles still(first);
  EXPECT_EQ(still.Find("w")->numel(), 6);

  CheckpointContents c = Contents(2);
  c.optimizer = &bigger;
  EXPECT_EQ(WriteTrainCheckpoint(out_, 2, c), out_ + "/checkpoint-2");
  EXPECT_FALSE(fs::exists(out_ + "/.tmp-checkpoint-2"));
  EXPECT_EQ(LatestTrainCheckpoint(out_), out_ + "/checkpoint-2");
}

}  // namespace
}  // namespace hm
