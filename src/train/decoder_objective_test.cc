#include "train/decoder_objective.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include "core/scratch_dir_testing.h"
#include "io/json_file.h"
#include "text/chat_template.h"
#include "train/batch_grad.h"
#include "train/trainer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

fs::path WriteImageData(const fs::path& root);

// The tiny Qwen2 checkpoint learns the three text samples of testdata/train: the loop drives
// the real backward passes, and a record with media is reported and skipped.
TEST(DecoderObjectiveTest, TinyQwen2LossFallsOnTextSamples) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  std::ifstream in(HULUMED_SOURCE_DIR "/testdata/train/grad_text.jsonl");
  std::ofstream data(root / "data.jsonl");
  data << in.rdbuf();
  std::ofstream(root / "x.png") << "x";
  data << R"({"image": "x.png", "conversations": [{"from": "human", "value": "<image>What?"}, {"from": "gpt", "value": "A dot."}]})"
       << "\n";
  data.close();

  StageRecipe stage;
  stage.name = "tiny";
  stage.start_checkpoint = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
  stage.output_dir = (root / "out").string();
  stage.data = {{(root / "data.jsonl").string(), 1.0, root.string()}};
  stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
  stage.steps = 8;
  stage.global_batch_samples = 3;
  stage.warmup_ratio = 0;
  DecoderObjective objective(stage.start_checkpoint, 2);
  TrainOptions options;
  options.progress = false;
  StageOutcome o = TrainStage(stage, stage.start_checkpoint, objective, options);
  EXPECT_EQ(o.skipped_records, 1);
  EXPECT_EQ(o.skipped_steps, 0);

  std::vector<double> losses;
  std::ifstream log(root / "out" / "train_log.jsonl");
  std::string line;
  while (std::getline(log, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("loss")) losses.push_back(j["loss"]);
  }
  ASSERT_EQ(losses.size(), 8u);
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << losses.front() << " -> " << losses.back();
  // The last checkpoint is a model folder the trainer's own loader reads.
  DecoderObjective trained(o.checkpoint, 1);
  EXPECT_EQ(trained.Params().size(), objective.Params().size());
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The real model, 2 threads (two workers), text and image records: a run killed after step 3 (checkpoint at 2) and resumed ends
// with the same bytes as an uninterrupted one.
TEST(DecoderObjectiveTest, ResumeAfterKillIsBitIdentical) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  StageRecipe stage;
  stage.name = "tiny";
  stage.start_checkpoint = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen3";
  // Text and image records (their media decoded again when drawn after the resume).
  stage.data = {{HULUMED_SOURCE_DIR "/testdata/train/grad_text.jsonl", 1.0, root.string()},
                {WriteImageData(root).string(), 1.0, root.string()}};
  stage.lrs.Of(ModuleGroup::kVision) = 1e-3;
  stage.lrs.Of(ModuleGroup::kProjector) = 1e-2;
  stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
  stage.steps = 5;
  stage.global_batch_samples = 2;
  stage.micro_batch_samples = 2;  // the two samples side by side, one worker each
  stage.save_every_steps = 2;
  TrainOptions options;
  options.progress = false;
  // In f32 and with bf16 compute (whose rounded weights are made again after the resume).
  for (const DType compute : {DType::kF32, DType::kBF16}) {
    const std::string tag(DTypeName(compute));
    auto run = [&](const std::string& out, const TrainOptions& o) {
      StageRecipe s = stage;
      s.output_dir = (root / (out + tag)).string();
      DecoderObjective objective(s.start_checkpoint, 2, StageMediaOptions(s), compute);
      return TrainStage(s, s.start_checkpoint, objective, o);
    };
    run("straight", options);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      TrainOptions o = options;
      o.after_step = [](int64_t step) {
        if (step == 3) raise(SIGKILL);
      };
      run("killed", o);
      _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    TrainOptions resume = options;
    resume.resume = true;
    EXPECT_EQ(run("killed", resume).steps, 5);
    for (const char* file : {"model.safetensors", "optimizer.safetensors"})
      EXPECT_EQ(Slurp(root / ("killed" + tag) / "checkpoint-5" / file),
                Slurp(root / ("straight" + tag) / "checkpoint-5" / file))
          << tag << " " << file;
  }
}

// Image records for the tiny Qwen2 checkpoint: one caption per fixture image, a two-image
// record, and (lines 7 and 8) a missing and a corrupt image, which are reported and skipped.
fs::path WriteImageData(const fs::path& root) {
  fs::create_directories(root);
  const fs::path images = HULUMED_SOURCE_DIR "/testdata/media/images";
  for (const char* name : {"rgb.png", "gray.png", "palette.png", "rgba.png", "bilevel.png"})
    fs::copy_file(images / name, root / name, fs::copy_options::overwrite_existing);
  std::ofstream(root / "corrupt.png") << "\x89PNG\r\n\x1a\n cut short";
  std::ofstream data(root / "images.jsonl");
  auto record = [&](const std::string& image, const std::string& question, const std::string& answer) {
    data << nlohmann::json({{"image", nlohmann::json::parse(image)},
                            {"conversations", {{{"from", "human"}, {"value", question}}, {{"from", "gpt"}, {"value", answer}}}}})
                .dump()
         << "\n";
  };
  record(R"("rgb.png")", "<image>\nWhat is shown?", "A color gradient.");
  record(R"("gray.png")", "<image>\nWhat is shown?", "A gray ramp.");
  record(R"("palette.png")", "Describe it.", "A palette image.");  // placeholder implied
  record(R"("rgba.png")", "<image>\nWhat is shown?", "Colors with alpha.");
  record(R"(["bilevel.png", "gray.png"])", "<image><image>\nCompare them.", "Black and white, then gray.");
  data << R"({"conversations": [{"from": "human", "value": "Say hi."}, {"from": "gpt", "value": "Hi."}]})" << "\n";
  record(R"("missing.png")", "<image>\nWhat is shown?", "Nothing.");
  record(R"("corrupt.png")", "<image>\nWhat is shown?", "Nothing.");
  return root / "images.jsonl";
}

StageRecipe ImageStage(const fs::path& root, const fs::path& data) {
  StageRecipe stage;
  stage.name = "images";
  stage.start_checkpoint = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
  stage.output_dir = (root / "out").string();
  stage.data = {{data.string(), 1.0, root.string()}};
  stage.lrs.Of(ModuleGroup::kVision) = 1e-3;
  stage.lrs.Of(ModuleGroup::kProjector) = 1e-2;
  stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
  stage.global_batch_samples = 3;
  stage.warmup_ratio = 0;
  return stage;
}

std::vector<float> Values(const TrainParam& p) { return {p.value.begin(), p.value.end()}; }

// Largest relative difference of a bf16-compute loss from the f32 one at the same step.
constexpr double kBf16LossTolerance = 0.02;  // measured 3.8e-3

std::vector<double> LoggedLosses(const fs::path& out) {
  std::vector<double> losses;
  std::ifstream log(out / "train_log.jsonl");
  std::string line;
  while (std::getline(log, line)) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("loss")) losses.push_back(j["loss"]);
  }
  return losses;
}

// bf16 compute (f32 masters, linear layers on bf16-rounded weights and inputs) follows the f32
// loss trajectory closely over 10 steps of every tower, and is really applied: the losses
// differ from f32's after the first step.
TEST(DecoderObjectiveTest, Bf16ComputeStaysNearTheF32Trajectory) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  StageRecipe stage = ImageStage(root, WriteImageData(root));
  stage.steps = 10;
  // Gentler than ImageStage's rates: at 1e-2 the untrained model's loss jumps from step to step
  // and any perturbation (bf16 rounding, or only another summation order) grows by 5% in 10 steps.
  stage.lrs.Of(ModuleGroup::kProjector) = 2e-3;
  stage.lrs.Of(ModuleGroup::kLlm) = 2e-3;
  std::map<DType, std::vector<double>> losses;
  for (const DType compute : {DType::kF32, DType::kBF16}) {
    stage.output_dir = (root / DTypeName(compute)).string();
    DecoderObjective objective(stage.start_checkpoint, 2, StageMediaOptions(stage), compute);
    TrainOptions options;
    options.progress = false;
    testing::internal::CaptureStderr();
    TrainStage(stage, stage.start_checkpoint, objective, options);
    testing::internal::GetCapturedStderr();
    losses[compute] = LoggedLosses(stage.output_dir);
  }
  const std::vector<double>& f32 = losses[DType::kF32];
  const std::vector<double>& bf16 = losses[DType::kBF16];
  ASSERT_EQ(f32.size(), 10u);
  ASSERT_EQ(bf16.size(), 10u);
  double largest = 0;
  for (size_t i = 0; i < f32.size(); ++i) {
    const double relative = std::abs(bf16[i] - f32[i]) / f32[i];
    largest = std::max(largest, relative);
    EXPECT_LE(relative, kBf16LossTolerance) << "step " << i + 1 << ": f32 " << f32[i] << ", bf16 " << bf16[i];
  }
  EXPECT_GT(largest, 1e-6) << "bf16 compute gave f32's losses: it was not applied";
  EXPECT_LT(bf16.back(), 0.5 * bf16.front()) << bf16.front() << " -> " << bf16.back();
  std::printf("bf16 vs f32 loss over 10 steps: largest relative difference %.2e\n", largest);
}

// Image and multi-image records train the vision tower, the projector and the decoder through
// the backward passes `train grad` verifies; bad media are reported by file:line and skipped;
// the checkpoint holds every tower.
TEST(DecoderObjectiveTest, ImageRecordsTrainEveryTower) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  StageRecipe stage = ImageStage(root, WriteImageData(root));
  stage.steps = 30;
  DecoderObjective objective(stage.start_checkpoint, 2, StageMediaOptions(stage));
  const std::string patch = "model.vision_encoder.embeddings.patch_embedding.weight";
  std::map<std::string, std::vector<float>> before;
  for (const TrainParam& p : objective.Params()) before[p.name] = Values(p);
  TrainOptions options;
  options.progress = false;
  testing::internal::CaptureStderr();
  const StageOutcome o = TrainStage(stage, stage.start_checkpoint, objective, options);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(o.skipped_records, 2);
  EXPECT_EQ(o.skipped_steps, 0);
  EXPECT_NE(err.find("images.jsonl:7: missing media file"), std::string::npos) << err;
  EXPECT_NE(err.find("images.jsonl:8: "), std::string::npos) << err;
  EXPECT_NE(err.find("corrupt.png"), std::string::npos) << err;

  const std::vector<double> losses = LoggedLosses(root / "out");
  ASSERT_EQ(losses.size(), 30u);
  EXPECT_LT(losses.back(), 0.5 * losses.front()) << losses.front() << " -> " << losses.back();
  for (const char* name : {"model.vision_encoder.embeddings.patch_embedding.weight", "model.mm_projector.readout.0.weight",
                           "model.layers.0.mlp.up_proj.weight"})
    EXPECT_NE(Values(ParamSet::FromCheckpoint(o.checkpoint).Get(name)), before[name]) << name;
  // The checkpoint is a model the trainer (and `run`) loads, vision tower included, and no
  // longer says it holds create-model's untrained weights.
  EXPECT_TRUE(ReadJsonFile(HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2/config.json").contains("hulumed_fixture"));
  EXPECT_FALSE(ReadJsonFile(o.checkpoint + "/config.json").contains("hulumed_fixture"));
  DecoderObjective trained(o.checkpoint, 1);
  EXPECT_EQ(trained.Params().size(), objective.Params().size());
}

// The loop's first step computes exactly `train grad`'s gradient (the path verified against
// PyTorch) for the same records: the mean over the global batch's label tokens.
TEST(DecoderObjectiveTest, FirstStepGradientIsTrainGrads) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  const fs::path all = WriteImageData(root);
  {  // the six good records
    std::ifstream in(all);
    std::ofstream good(root / "good.jsonl");
    std::string line;
    for (int i = 0; i < 6 && std::getline(in, line); ++i) good << line << "\n";
  }
  // One sample per micro-batch (threads inside the operations), and all six at once (one
  // worker per thread, each with its own gradient replica).
  auto loop_gradients = [&](int64_t micro_batch_samples) {
    StageRecipe stage = ImageStage(root, root / "good.jsonl");
    stage.output_dir = (root / ("out" + std::to_string(micro_batch_samples))).string();
    stage.steps = 1;
    stage.global_batch_samples = 6;  // one epoch: every record once
    stage.micro_batch_samples = micro_batch_samples;
    stage.max_grad_norm = 0;
    DecoderObjective objective(stage.start_checkpoint, 2, StageMediaOptions(stage));
    std::map<std::string, std::vector<float>> grads;
    TrainOptions options;
    options.progress = false;
    options.after_step = [&](int64_t) {
      for (const TrainParam& p : objective.Params()) grads[p.name] = {p.grad.begin(), p.grad.end()};
    };
    TrainStage(stage, stage.start_checkpoint, objective, options);
    return grads;
  };
  const auto one_by_one = loop_gradients(1), side_by_side = loop_gradients(6);

  const std::string model = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
  ParamSet params = ParamSet::FromCheckpoint(model);
  const std::vector<TrainingSample> samples =
      ReadTrainingSamples((root / "good.jsonl").string(), Tokenizer::FromDir(model), FindChatTemplate(model),
                          params.config(), ReadPreprocessorConfig(model));
  ThreadPool pool(2);
  const train::DecoderTrainer decoder(params);
  const train::VisionTrainer vision(params);
  train::AccumulateBatchGradients(decoder, &vision, static_cast<int32_t>(params.config().image_token_index), samples,
                                  pool);
  double largest = 0;
  for (const TrainParam& p : params.params())
    for (float g : p.grad) largest = std::max(largest, double(std::abs(g)));
  ASSERT_GT(largest, 0);
  for (const auto* loop : {&one_by_one, &side_by_side})
    for (const TrainParam& p : params.params()) {
      const std::vector<float>& got = loop->at(p.name);
      double worst = 0;
      for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, double(std::abs(got[i] - p.grad[i])));
      EXPECT_LE(worst, 1e-5 * largest) << p.name << (loop == &one_by_one ? " (one by one)" : " (side by side)");
    }
}

// Stage 1 (LLM frozen): the decoder's weights stay bit-identical while the vision tower and
// projector learn.
TEST(DecoderObjectiveTest, FrozenLlmStaysBitIdentical) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  StageRecipe stage = ImageStage(root, WriteImageData(root));
  stage.lrs.Of(ModuleGroup::kLlm).reset();
  stage.steps = 3;
  DecoderObjective objective(stage.start_checkpoint, 2, StageMediaOptions(stage));
  std::map<std::string, std::vector<float>> before;
  for (const TrainParam& p : objective.Params()) before[p.name] = Values(p);
  TrainOptions options;
  options.progress = false;
  testing::internal::CaptureStderr();
  const StageOutcome o = TrainStage(stage, stage.start_checkpoint, objective, options);
  testing::internal::GetCapturedStderr();
  ParamSet trained = ParamSet::FromCheckpoint(o.checkpoint);
  for (const TrainParam& p : objective.Params())  // the last step's gradients
    if (p.group == ModuleGroup::kLlm)
      EXPECT_TRUE(std::all_of(p.grad.begin(), p.grad.end(), [](float g) { return g == 0; })) << p.name;
  int changed = 0;
  for (const TrainParam& p : trained.params()) {
    if (GroupOfTensor(p.name) == ModuleGroup::kLlm) EXPECT_EQ(Values(p), before[p.name]) << p.name;
    else changed += Values(p) != before[p.name];
  }
  EXPECT_GT(changed, 0);
}

// Freezing skips work, not correctness: with the decoder or the encoder frozen, the parts
// that learn get bit-identically the gradient of the full backward, the frozen ones none.
TEST(DecoderObjectiveTest, FrozenPartsSkipTheirWeightGradientsOnly) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  const fs::path data = WriteImageData(root);
  std::ofstream(root / "two.jsonl") << [&] {
    std::ifstream in(data);
    std::string a, b;
    std::getline(in, a);
    std::getline(in, b);
    return a + "\n" + b + "\n";
  }();
  const std::string model = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
  ThreadPool pool(2);
  auto gradients = [&](bool llm, bool encoder, bool projector) {
    ParamSet params = ParamSet::FromCheckpoint(model);
    const std::vector<TrainingSample> samples =
        ReadTrainingSamples((root / "two.jsonl").string(), Tokenizer::FromDir(model), FindChatTemplate(model),
                            params.config(), ReadPreprocessorConfig(model));
    train::DecoderTrainer decoder(params);
    train::VisionTrainer vision(params);
    decoder.set_weight_grads(llm);
    vision.set_trains(encoder, projector);
    train::AccumulateBatchGradients(decoder, &vision, static_cast<int32_t>(params.config().image_token_index),
                                    samples, pool);
    std::map<std::string, std::vector<float>> out;
    for (const TrainParam& p : params.params()) out[p.name] = {p.grad.begin(), p.grad.end()};
    return out;
  };
  auto zero = [](const std::vector<float>& g) { return std::all_of(g.begin(), g.end(), [](float x) { return x == 0; }); };
  const auto full = gradients(true, true, true);
  const auto stage1 = gradients(false, true, true);
  const auto projector_only = gradients(false, false, true);
  for (const auto& [name, g] : full) {
    const ModuleGroup group = GroupOfTensor(name);
    EXPECT_FALSE(zero(g)) << name;
    if (group == ModuleGroup::kLlm) EXPECT_TRUE(zero(stage1.at(name))) << name;
    else EXPECT_EQ(stage1.at(name), g) << name;
    if (group == ModuleGroup::kProjector) EXPECT_EQ(projector_only.at(name), g) << name;
    else EXPECT_TRUE(zero(projector_only.at(name))) << name;
  }
}

// Videos, NIfTI and DICOM volumes train through the same path (merge size 2 from the recipe,
// token reduction by the stage's flag); an undecodable video is reported and skipped.
TEST(DecoderObjectiveTest, VideoAndVolumeRecordsTrain) {
  ScratchDir scratch;
  const fs::path root = scratch.path();
  const fs::path testdata = HULUMED_SOURCE_DIR "/testdata";
  auto record = [](const nlohmann::json& media, const std::string& question, const std::string& answer) {
    nlohmann::json r = media;
    r["conversations"] = {{{"from", "human"}, {"value", question}}, {{"from", "gpt"}, {"value", answer}}};
    return r.dump() + "\n";
  };
  std::ofstream(root / "clips.jsonl")
      << record({{"video", {(testdata / "video/pattern.mp4").string()}}}, "<video>\nWhat moves?", "A pattern.")
      << record({{"volume", {{"path", (testdata / "media/nifti/f32.nii.gz").string()}, {"slices", 4}}}},
                "<video>\nAny lesion?", "No lesion.")
      << record({{"volume", {{"path", (testdata / "dicom/series").string()}, {"slices", 3}, {"axis", "axial"}}}},
                "<video>\nWhich modality?", "CT.")
      << record({{"volume", {{"path", (testdata / "dicom/cine_us.dcm").string()}}}}, "<video>\nWhat is it?",
                "An ultrasound loop.")
      << record({{"video", {(testdata / "video/truncated.mp4").string()}}}, "<video>\nWhat?", "Nothing.");
  StageRecipe stage = ImageStage(root, root / "clips.jsonl");
  stage.token_reduction = true;
  stage.video_merge_size = 2;
  stage.max_frames = 8;
  stage.steps = 4;
  stage.global_batch_samples = 4;
  stage.micro_batch_samples = 4;
  DecoderObjective objective(stage.start_checkpoint, 2, StageMediaOptions(stage));
  const std::string patch = "model.vision_encoder.embeddings.patch_embedding.weight";
  const std::vector<float> before = Values(ParamSet::FromCheckpoint(stage.start_checkpoint).Get(patch));
  TrainOptions options;
  options.progress = false;
  testing::internal::CaptureStderr();
  const StageOutcome o = TrainStage(stage, stage.start_checkpoint, objective, options);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(o.skipped_records, 1) << err;
  EXPECT_NE(err.find("clips.jsonl:5: "), std::string::npos) << err;
  EXPECT_EQ(o.skipped_steps, 0);
  EXPECT_TRUE(std::isfinite(o.last_loss));
  EXPECT_NE(Values(ParamSet::FromCheckpoint(o.checkpoint).Get(patch)), before);

  // Token reduction per the stage: the volume's unchanged tokens leave the sequence.
  const TrainRecord volume = ParseTrainRecord(
      nlohmann::json::parse(record({{"volume", {{"path", (testdata / "media/nifti/f32.nii.gz").string()}, {"slices", 4}}}},
                                   "<video>\nAny lesion?", "No.")),
      "volume", "");
  SampleMediaOptions full = StageMediaOptions(stage);
  full.token_reduction = false;
  EXPECT_LT(objective.Length(volume), DecoderObjective(stage.start_checkpoint, 1, full).Length(volume));
}

}  // namespace
}  // namespace hm
