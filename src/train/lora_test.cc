// LoRA: the adapted layer's backward against finite differences (f32 and quantized bases, with
// and without dropout), decoder and vision-tower adapters against PyTorch goldens, an untrained
// adapter equal to the base, training on text and image records that lowers the loss on an
// untouched HF or GGUF base, merge equal to the side path, and bad adapters refused.
#include "train/lora.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "io/safetensors.h"
#include "io/json_file.h"
#include "model/gguf_export.h"
#include "model/lora_adapter.h"
#include "model/lora_merge.h"
#include "model/model.h"
#include "train/dataset.h"
#include "train/decoder_objective.h"
#include "train/golden_samples.h"
#include "train/lora_objective.h"
#include "train/release_checkpoint.h"
#include "train/ops.h"
#include "train/trainer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

const std::string kTiny = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
const std::vector<std::string> kAllLlm = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
const std::vector<std::string> kAllVision = {"q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"};

std::vector<float> Random(size_t n, std::mt19937& rng, float sd = 1.0f) {
  std::normal_distribution<float> dist(0.0f, sd);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::string ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// L = Σ c ⊙ y for a fixed random c, so dL/dy = c; central differences of the f32 forward.
TEST(LoraLayerTest, GradientsMatchFiniteDifferences) {
  const int64_t n = 3, in = 64, out = 32, rank = 4;
  std::mt19937 rng(1);
  const std::vector<float> w = Random(out * in, rng, 0.2f), x = Random(n * in, rng), c = Random(n * out, rng);
  ThreadPool pool(2);
  for (const kernels::BlockType base : {kernels::BlockType::kNone, kernels::BlockType::kQ8_0}) {
    std::vector<uint8_t> q8(out * kernels::RowBytes(kernels::BlockType::kQ8_0, in));
    kernels::Matrix wm = train::F32Matrix(w.data(), out, in);
    if (base != kernels::BlockType::kNone) {
      for (int64_t r = 0; r < out; ++r)
        kernels::QuantizeRow(base, w.data() + r * in, in, q8.data() + r * kernels::RowBytes(base, in));
      wm = kernels::Matrix{DType::kF32, out, in, q8.data(), base};
    }
    for (const float dropout : {0.0f, 0.3f}) {
      std::vector<float> a = Random(rank * in, rng, 0.2f), b = Random(out * rank, rng, 0.2f);
      std::vector<float> ga(a.size()), gb(b.size());
      TrainParam pa{"a", a, ga}, pb{"b", b, gb};
      train::LoraLayer l{&pa, &pb,
                         LowRank{train::F32Matrix(a.data(), rank, in), train::F32Matrix(b.data(), out, rank), 1.5f},
                         dropout, 42};
      std::vector<float> xv = x;
      auto loss = [&] {
        std::vector<float> y(n * out);
        train::LoraLinearForward(xv.data(), n, wm, nullptr, &l, y.data(), pool);
        double s = 0;
        for (int64_t i = 0; i < n * out; ++i) s += double{c[i]} * y[i];
        return s;
      };
      std::vector<float> dx(n * in);
      kernels::MatMulTransposed(c.data(), n, wm, dx.data(), pool);  // the base's share, as the decoder does
      train::LoraLinearBackward(l, xv.data(), n, c.data(), dx.data(), pool);
      auto check = [&](std::vector<float>& v, const std::vector<float>& grad, const char* what) {
        for (size_t i = 0; i < v.size(); i += v.size() / 7 + 1) {
          const float keep = v[i], h = 1e-2f;
          v[i] = keep + h;
          const double up = loss();
          v[i] = keep - h;
          const double down = loss();
          v[i] = keep;
          EXPECT_NEAR(grad[i], (up - down) / (2 * h), 2e-2) << what << "[" << i << "] dropout " << dropout;
        }
      };
      check(a, ga, "dA");
      check(b, gb, "dB");
      // Through a quantized base the forward rounds x to int8 steps (~h): no derivative to
      // difference there; its dx = dy W is kernels::MatMulTransposed, tested on its own.
      if (base == kernels::BlockType::kNone) check(xv, dx, "dx");
    }
  }
}

// A LoRA golden of tools/reference/make_lora_golden.py: its summary and gradient tensors.
struct LoraGolden {
  explicit LoraGolden(const std::string& dir)
      : expected(ReadJsonFile(dir + "/grads.json")), file(dir + "/grads.safetensors") {
    for (const SafetensorsEntry& e : file.header().tensors) want[e.name] = file.View(e);
  }
  // The objective's loss and every parameter's gradient (sums over label tokens) against
  // PyTorch's means: loss within 1e-5, gradients within 1e-4 of the largest entry.
  void ExpectMatches(const char* what, const LossSum& sum, std::span<const TrainParam> params) const {
    const double count = expected["label_tokens"].get<double>(), loss = expected["loss"].get<double>();
    ASSERT_EQ(sum.tokens, expected["label_tokens"].get<int64_t>());
    EXPECT_NEAR(sum.loss / count, loss, 1e-5 * loss);
    const double largest = expected["largest_gradient"].get<double>();
    double worst = 0;
    for (const TrainParam& p : params) {
      const TensorView& t = want.at(p.name);
      ASSERT_EQ(t.numel(), static_cast<int64_t>(p.grad.size())) << p.name;
      for (size_t i = 0; i < p.grad.size(); ++i)
        worst = std::max(worst, std::abs(p.grad[i] / count - static_cast<const float*>(t.data)[i]));
    }
    EXPECT_LE(worst, 1e-4 * largest);
    std::printf("%s: loss %.7f (PyTorch %.7f), max |grad diff| %.3g of the largest entry\n", what, sum.loss / count,
                loss, worst / largest);
  }

  nlohmann::json expected;
  SafetensorsFile file;
  std::map<std::string, TensorView> want;
};

// PyTorch autograd through the reference twin with W + (alpha/r) B A on every decoder
// projection (tools/reference/make_lora_golden.py): the loss, every lora_A/lora_B gradient
// (max |diff| <= 1e-4 of the largest), and `run --lora`'s logits. The golden adapter is
// written by Python in PEFT's format, so reading one from outside is tested too.
TEST(LoraGoldenTest, MatchesPyTorchOnTinyQwen2) {
  const std::string dir = HULUMED_SOURCE_DIR "/testdata/goldens/tiny-qwen2/train/lora";
  const LoraGolden golden(dir);
  const Model adapted(kTiny, dir);
  const LoraAdapter adapter = ReadLoraAdapter(dir, adapted.config());
  ASSERT_EQ(adapter.modules.size(), 14u);
  {
    ThreadPool pool(2);
    const std::vector<int32_t> ids = golden.expected["first_sample_ids"].get<std::vector<int32_t>>();
    const int64_t n = static_cast<int64_t>(ids.size()), V = adapted.config().llm.vocab;
    std::vector<float> x(n * adapted.config().llm.hidden), logits(n * V);
    adapted.decoder().Embed(ids, x.data());
    KvCache cache(adapted.config().llm, n);
    adapted.decoder().Forward(x.data(), n, cache, logits.data(), true, pool);
    ASSERT_EQ(golden.want.at("logits").numel(), n * V);
    const float* ref = static_cast<const float*>(golden.want.at("logits").data);
    double worst = 0;
    for (int64_t i = 0; i < n * V; ++i) worst = std::max(worst, double{std::abs(logits[i] - ref[i])});
    EXPECT_LT(worst, 1e-4) << "run --lora logits";
  }

  LoraObjective objective(kTiny, LoraStage{adapter.settings, kAllLlm, {}}, 0, 2);
  for (size_t i = 0; i < adapter.modules.size(); ++i) {  // the golden's A and B, in the same order
    std::span<TrainParam> p = objective.Params();
    ASSERT_EQ(p[2 * i].name, PeftLoraAName(adapter.modules[i].weight));
    std::copy(adapter.modules[i].a.begin(), adapter.modules[i].a.end(), p[2 * i].value.begin());
    std::copy(adapter.modules[i].b.begin(), adapter.modules[i].b.end(), p[2 * i + 1].value.begin());
  }
  const Dataset data = ReadDataset({HULUMED_SOURCE_DIR "/testdata/train/grad_text.jsonl"}, {});
  Batch batch;
  for (const TrainRecord& r : data.records) batch.samples.push_back(&r);
  golden.ExpectMatches("lora golden", objective.LossAndGrad(batch, objective.Params()), objective.Params());
}

// The image sample of grad_image (lora_vision) and the volume sample of grad_volume, merge
// size 2 with token reduction (lora_vision_volume), with every vision-encoder projection and
// the decoder's q_proj adapted and the projector trained in full (make_lora_golden.py): loss
// and every A/B and projector gradient against PyTorch, through the trainer's own sample path
// (batch_grad) on the frozen base.
TEST(LoraGoldenTest, VisionAdapterMatchesPyTorchOnAnImageAndAVolume) {
  const std::string vision = HULUMED_SOURCE_DIR "/testdata/goldens/tiny-qwen2/vision";
  for (const auto& [name, sample] : std::vector<std::pair<std::string, TrainingSample>>{
           {"lora_vision", train::GoldenImageSample(kTiny, vision)},
           {"lora_vision_volume", train::GoldenVolumeSample(kTiny, vision)}}) {
    const std::string dir = HULUMED_SOURCE_DIR "/testdata/goldens/tiny-qwen2/train/" + name;
    const LoraGolden golden(dir);
    const LoraAdapter adapter = ReadLoraAdapter(dir, LoadModelConfig(kTiny));
    ASSERT_EQ(adapter.projector.size(), 4u);  // modules_to_save: the two projector layers
    LoraObjective objective(kTiny, LoraStage{adapter.settings, {"q_proj"}, kAllVision}, 0, 2, {}, true);
    ASSERT_EQ(objective.Params().size(), 2 * adapter.modules.size() + adapter.projector.size());
    for (const LoraModule& m : adapter.modules)  // the golden's A and B, by name
      for (TrainParam& p : objective.Params()) {
        if (p.name == PeftLoraAName(m.weight)) std::copy(m.a.begin(), m.a.end(), p.value.begin());
        if (p.name == PeftLoraBName(m.weight)) std::copy(m.b.begin(), m.b.end(), p.value.begin());
      }
    golden.ExpectMatches(name.c_str(), objective.SamplesLossAndGrad({&sample, 1}, 0), objective.Params());
    float vision_largest = 0;
    size_t projector_params = 0;
    for (const TrainParam& p : objective.Params()) {
      projector_params += p.group == ModuleGroup::kProjector;
      if (p.group == ModuleGroup::kVision)
        for (const float g : p.grad) vision_largest = std::max(vision_largest, std::abs(g));
    }
    EXPECT_GT(vision_largest, 0.0f) << name;  // the vision adapters are reached
    EXPECT_EQ(projector_params, 4u);
  }
}

// `run --lora` with a vision adapter and a trained projector (the side path) equals `lora
// merge` then `run`: the image's visual tokens and the logits of the image prompt agree; the
// projector tensors round-trip through PEFT's modules_to_save.
TEST(LoraAdapterTest, VisionAdapterSidePathEqualsMerge) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  // The golden adapter with its projector moved off the base's, written and read back.
  LoraAdapter adapter = ReadLoraAdapter(HULUMED_SOURCE_DIR "/testdata/goldens/tiny-qwen2/train/lora_vision",
                                        LoadModelConfig(kTiny));
  for (SavedTensor& t : adapter.projector)
    for (size_t i = 0; i < t.values.size(); ++i) t.values[i] += 0.02f * static_cast<float>((i * 7919) % 11) - 0.1f;
  const std::string written = (dir / "adapter").string();
  WriteLoraAdapter(written, adapter, kTiny);
  const LoraAdapter read = ReadLoraAdapter(written, LoadModelConfig(kTiny));
  ASSERT_EQ(read.projector.size(), adapter.projector.size());
  for (size_t i = 0; i < read.projector.size(); ++i) {
    EXPECT_EQ(read.projector[i].name, adapter.projector[i].name);
    EXPECT_EQ(read.projector[i].values, adapter.projector[i].values) << read.projector[i].name;
  }
  const LoraMergeReport report = MergeLoraCheckpoint(kTiny, written, (dir / "merged").string());
  EXPECT_EQ(report.replaced, 4);
  const TrainingSample sample =
      train::GoldenImageSample(kTiny, HULUMED_SOURCE_DIR "/testdata/goldens/tiny-qwen2/vision");
  auto run = [&](const Model& m, std::vector<float>& visual) {
    ThreadPool pool(1);
    visual = m.vision()->Project(m.vision()->Encode(sample.media[0], pool), pool);
    const std::vector<int32_t>& ids = sample.tokens.ids;
    const int64_t n = static_cast<int64_t>(ids.size()), h = m.config().llm.hidden;
    std::vector<float> x(n * h), logits(n * m.config().llm.vocab);
    m.decoder().Embed(ids, x.data());
    int64_t next = 0;  // the visual tokens into the image-token slots, in order
    for (int64_t t = 0; t < n; ++t)
      if (ids[t] == static_cast<int32_t>(m.config().image_token_index))
        std::copy_n(visual.begin() + h * next++, h, x.begin() + t * h);
    EXPECT_EQ(next * h, static_cast<int64_t>(visual.size()));
    KvCache cache(m.config().llm, n);
    m.decoder().Forward(x.data(), n, cache, logits.data(), true, pool);
    return logits;
  };
  std::vector<float> base_visual, side_visual, merged_visual;
  const std::vector<float> base = run(Model(kTiny), base_visual);
  const std::vector<float> side = run(Model(kTiny, written), side_visual);
  const std::vector<float> merged = run(Model((dir / "merged").string()), merged_visual);
  auto max_diff = [](const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double{std::abs(a[i] - b[i])});
    return worst;
  };
  EXPECT_GT(max_diff(side_visual, base_visual), 1e-3);  // the adapter changes what the image says
  EXPECT_LT(max_diff(side_visual, merged_visual), 1e-4);
  EXPECT_GT(max_diff(side, base), 1e-3);
  EXPECT_LT(max_diff(side, merged), 1e-4);
}

// B = 0 at the start, so an untrained adapter leaves every logit exactly as the base's.
TEST(LoraAdapterTest, ZeroBIsTheBaseAndMergeEqualsSidePath) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  StageRecipe stage;
  LoraStage lora{{4, 8.0, 0.0, false}, kAllLlm, {}};
  LoraObjective objective(kTiny, lora, 7, 1);
  WriteLoraAdapter((dir / "zero").string(), objective.Adapter(), kTiny);
  for (const TrainParam& p : objective.Params())
    for (size_t i = 0; i < p.value.size(); ++i) p.value[i] += 0.01f * static_cast<float>((i * 7919) % 13) - 0.06f;
  WriteLoraAdapter((dir / "trained").string(), objective.Adapter(), kTiny);
  MergeLoraCheckpoint(kTiny, (dir / "trained").string(), (dir / "merged").string());

  auto logits = [](const Model& m) {
    ThreadPool pool(1);
    const std::vector<int32_t> ids = {5, 17, 99, 3, 250, 41};
    std::vector<float> x(ids.size() * m.config().llm.hidden), out(ids.size() * m.config().llm.vocab);
    m.decoder().Embed(ids, x.data());
    KvCache cache(m.config().llm, 16);
    m.decoder().Forward(x.data(), static_cast<int64_t>(ids.size()), cache, out.data(), true, pool);
    return out;
  };
  const std::vector<float> base = logits(Model(kTiny));
  EXPECT_EQ(logits(Model(kTiny, (dir / "zero").string())), base);
  const std::vector<float> side = logits(Model(kTiny, (dir / "trained").string()));
  const std::vector<float> merged = logits(Model((dir / "merged").string()));
  double differ = 0, worst = 0;
  for (size_t i = 0; i < side.size(); ++i) {
    differ = std::max(differ, double{std::abs(side[i] - base[i])});
    worst = std::max(worst, double{std::abs(side[i] - merged[i])});
  }
  EXPECT_GT(differ, 1e-3);  // the adapter does something
  EXPECT_LT(worst, 1e-4);   // and merged it is the same model
}

// A few LoRA steps lower the loss on the tiny model, from an HF base and a q4_0 GGUF one, and
// the base files are bit-identical afterwards; the checkpoint is an adapter `run --lora` reads.
TEST(LoraTrainTest, StepsLowerLossAndLeaveTheBaseUntouched) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  QuantizeCheckpoint(kTiny, (dir / "q4_0").string(), {kernels::BlockType::kQ4_0, kernels::BlockType::kQ8_0, 1});
  for (const std::string base : {kTiny, (dir / "q4_0").string()}) {
    std::map<fs::path, std::string> before;
    for (const fs::directory_entry& e : fs::directory_iterator(base)) before[e.path()] = ReadBytes(e.path());
    StageRecipe stage;
    stage.name = "lora";
    stage.output_dir = (dir / "out" / fs::path(base).filename()).string();
    stage.data = {{HULUMED_SOURCE_DIR "/testdata/train/grad_text.jsonl", 1.0, HULUMED_SOURCE_DIR "/testdata/train"}};
    stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
    stage.steps = 6;
    stage.global_batch_samples = 3;
    stage.warmup_ratio = 0;
    stage.lora = LoraStage{{4, 8.0, 0.1, false}, kAllLlm, {}};
    LoraObjective objective(base, *stage.lora, stage.seed, 2);
    TrainOptions options;
    options.progress = false;
    const StageOutcome o = TrainStage(stage, base, objective, options);
    std::vector<double> losses;
    std::ifstream log(fs::path(stage.output_dir) / "train_log.jsonl");
    for (std::string line; std::getline(log, line);)
      if (nlohmann::json j = nlohmann::json::parse(line); j.contains("loss")) losses.push_back(j["loss"]);
    ASSERT_EQ(losses.size(), 6u) << base;
    EXPECT_LT(losses.back(), 0.7 * losses.front()) << base;
    for (const auto& [path, bytes] : before) EXPECT_TRUE(ReadBytes(path) == bytes) << path << " changed";
    const Model adapted(base, o.checkpoint);  // a PEFT adapter folder
    EXPECT_EQ(ReadLoraAdapter(o.checkpoint, adapted.config()).modules.size(), 14u);
  }
}

// recipes/lora-tiny-vision.json: a LoRA stage on image records (PNG files through the trainer's
// media path) with vision-tower and decoder adapters lowers the loss, from f32 and bf16 HF bases
// and a q4_0 GGUF base with a q8_0 mmproj, and with the projector trained too; the base files stay
// bit-identical; the checkpoint's PEFT names and values read back as written.
TEST(LoraTrainTest, ImageRecordsTrainVisionAdapters) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  QuantizeCheckpoint(kTiny, (dir / "q4_0").string(), {kernels::BlockType::kQ4_0, kernels::BlockType::kQ8_0, 1});
  WriteRelease({kTiny, (dir / "bf16").string(), DType::kBF16, {}});
  for (const auto& [base, projector] : std::vector<std::pair<std::string, bool>>{
           {kTiny, false}, {(dir / "bf16").string(), false}, {(dir / "q4_0").string(), false}, {kTiny, true}}) {
    std::map<fs::path, std::string> before;
    for (const fs::directory_entry& e : fs::directory_iterator(base)) before[e.path()] = ReadBytes(e.path());
    StageRecipe stage = ReadRecipe(HULUMED_SOURCE_DIR "/recipes/lora-tiny-vision.json").stages.at(0);
    ASSERT_EQ(stage.lora->vision_targets, kAllVision);
    stage.output_dir = (dir / "out" / (fs::path(base).filename().string() + (projector ? "-projector" : ""))).string();
    if (projector) stage.lrs.Of(ModuleGroup::kProjector) = 1e-2;
    LoraObjective objective(base, *stage.lora, stage.seed, 2, StageMediaOptions(stage), projector);
    TrainOptions options;
    options.progress = false;
    const StageOutcome o = TrainStage(stage, base, objective, options);
    EXPECT_EQ(o.skipped_records, 0) << base;
    std::vector<double> losses;
    std::ifstream log(fs::path(stage.output_dir) / "train_log.jsonl");
    for (std::string line; std::getline(log, line);)
      if (nlohmann::json j = nlohmann::json::parse(line); j.contains("loss")) losses.push_back(j["loss"]);
    ASSERT_EQ(losses.size(), static_cast<size_t>(stage.steps)) << base;
    EXPECT_LT(losses.back(), 0.75 * losses.front()) << base << ": " << nlohmann::json(losses).dump();
    for (const auto& [path, bytes] : before) EXPECT_TRUE(ReadBytes(path) == bytes) << path << " changed";

    const Model adapted(base, o.checkpoint);
    const LoraAdapter written = objective.Adapter(), read = ReadLoraAdapter(o.checkpoint, adapted.config());
    ASSERT_EQ(read.modules.size(), written.modules.size());
    size_t vision_modules = 0;
    for (size_t i = 0; i < read.modules.size(); ++i) {
      EXPECT_EQ(read.modules[i].weight, written.modules[i].weight);
      EXPECT_EQ(read.modules[i].a, written.modules[i].a) << read.modules[i].weight;
      EXPECT_EQ(read.modules[i].b, written.modules[i].b) << read.modules[i].weight;
      if (!read.modules[i].weight.starts_with("model.vision_encoder.encoder.layers.")) continue;
      ++vision_modules;  // B starts at zero: a vision adapter that learned has moved it
      EXPECT_NE(read.modules[i].b, std::vector<float>(read.modules[i].b.size(), 0.0f)) << read.modules[i].weight;
    }
    EXPECT_EQ(vision_modules, 6u * adapted.config().vision->n_layers);
    // A trained projector is saved in full (modules_to_save) and has moved off the base's.
    ASSERT_EQ(read.projector.size(), projector ? 4u : 0u);
    for (size_t i = 0; i < read.projector.size(); ++i) {
      EXPECT_EQ(read.projector[i].values, written.projector[i].values) << read.projector[i].name;
      const Vector& base_bias = Model(base).weights().projector[i / 2].bias;
      if (i % 2 == 1) EXPECT_NE(read.projector[i].values, base_bias) << read.projector[i].name;
    }
    // PEFT's full-match regex over module names, the vision tower's among them.
    const std::string regex = ReadJsonFile(o.checkpoint + "/adapter_config.json")["target_modules"];
    EXPECT_NE(regex.find("vision_encoder"), std::string::npos) << regex;
  }
}

// A record whose image is missing is reported by file:line and skipped; the rest train.
TEST(LoraTrainTest, BadMediaRecordsAreSkipped) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  {
    std::ifstream in(HULUMED_SOURCE_DIR "/testdata/train/lora_images.jsonl");
    std::ofstream data(dir / "data.jsonl");
    data << in.rdbuf() << R"({"image": "gone.png", "conversations": [{"from": "human", "value": "<image>"}, )"
         << R"({"from": "gpt", "value": "x"}]})" << "\n";
  }
  StageRecipe stage = ReadRecipe(HULUMED_SOURCE_DIR "/recipes/lora-tiny-vision.json").stages.at(0);
  stage.output_dir = (dir / "out").string();
  stage.data = {{(dir / "data.jsonl").string(), 1.0, HULUMED_SOURCE_DIR "/testdata/train"}};
  stage.steps = 2;
  LoraObjective objective(kTiny, *stage.lora, stage.seed, 2, StageMediaOptions(stage));
  TrainOptions options;
  options.progress = false;
  const StageOutcome o = TrainStage(stage, kTiny, objective, options);
  EXPECT_EQ(o.skipped_records, 1);
  EXPECT_EQ(o.steps, 2);
}

// A projector learning rate for an objective made with a frozen projector is refused.
TEST(LoraTrainTest, ProjectorLearningRateIsRefused) {
  LoraObjective objective(kTiny, LoraStage{{4, 8.0, 0.0, false}, {"q_proj"}, {"fc1"}}, 0, 1);
  GroupLrs lrs;
  lrs.Of(ModuleGroup::kProjector) = 1e-3;
  try {
    objective.SetTrainedGroups(lrs);
    ADD_FAILURE() << "projector lr accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("made with a frozen projector"), std::string::npos) << e.what();
  }
}

// Killed after 3 of 6 steps and resumed (with dropout and activation recomputation): the
// adapter is bit-identical to an uninterrupted run's.
TEST(LoraTrainTest, ResumeGivesTheSameAdapter) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  auto run = [&](const std::string& out, int64_t steps, bool resume) {
    StageRecipe stage;
    stage.name = "lora";
    stage.output_dir = (dir / out).string();
    stage.data = {{HULUMED_SOURCE_DIR "/testdata/train/grad_text.jsonl", 1.0, HULUMED_SOURCE_DIR "/testdata/train"}};
    stage.lrs.Of(ModuleGroup::kLlm) = 1e-2;
    stage.steps = 6;
    stage.global_batch_samples = 2;
    stage.save_every_steps = 1;
    stage.lora = LoraStage{{4, 8.0, 0.2, false}, {"q_proj", "down_proj"}, {}, true};
    LoraObjective objective(kTiny, *stage.lora, stage.seed, 2);
    TrainOptions options;
    options.progress = false;
    options.resume = resume;
    options.after_step = [steps](int64_t step) {
      if (step == steps) throw Error("stopped");  // a kill right after a complete checkpoint
    };
    try {
      TrainStage(stage, kTiny, objective, options);
    } catch (const Error&) {
    }
  };
  run("whole", 6, false);
  run("resumed", 3, false);
  run("resumed", 6, true);
  EXPECT_TRUE(ReadBytes(dir / "whole/checkpoint-6/adapter_model.safetensors") ==
              ReadBytes(dir / "resumed/checkpoint-6/adapter_model.safetensors"));
}

TEST(LoraRecipeTest, StageKeyIsParsedStrictly) {
  const Recipe recipe = ReadRecipe(HULUMED_SOURCE_DIR "/recipes/lora-tiny.json");
  ASSERT_TRUE(recipe.stages.at(0).lora);
  EXPECT_EQ(recipe.stages[0].lora->settings.rank, 4);
  EXPECT_EQ(recipe.stages[0].lora->llm_targets.size(), 7u);
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  std::ofstream(dir / "r.json") << R"({"name": "x", "output_dir": "o", "data": [{"path": "d.jsonl"}],
    "modules": {"llm": {"lr": 1}, "vision": "frozen", "projector": "frozen"}, "steps": 1, "lora": {"rank": 4, "targets": ["q_proj"], "alpah": 2}})";
  try {
    ReadRecipe((dir / "r.json").string());
    ADD_FAILURE() << "typo accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lora.alpah"), std::string::npos) << e.what();
  }
}

// Clear errors, naming the file and tensor, for adapters that do not fit the model.
TEST(LoraAdapterTest, BadAdaptersAreRefusedByName) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  const ModelConfig config = LoadModelConfig(kTiny);
  auto expect_error = [&](const std::string& adapter, const std::string& needle) {
    try {
      ReadLoraAdapter(adapter, config);
      ADD_FAILURE() << "no error for " << adapter;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  LoraAdapter good{{4, 8.0, 0.0, false}, {}};
  good.modules.push_back({"model.layers.0.self_attn.q_proj.weight", 64, 64, std::vector<float>(4 * 64, 0.1f),
                          std::vector<float>(64 * 4, 0.1f)});
  WriteLoraAdapter((dir / "good").string(), good, kTiny);
  EXPECT_EQ(ReadLoraAdapter((dir / "good").string(), config).modules.size(), 1u);

  LoraAdapter shape = good;  // A of rank 4 declared, 3 rows written
  shape.settings.rank = 3;
  shape.modules[0].a.resize(3 * 64);
  shape.modules[0].b.resize(64 * 3);
  WriteLoraAdapter((dir / "shape").string(), shape, kTiny);
  nlohmann::json cfg = nlohmann::json::parse(ReadBytes(dir / "shape" / "adapter_config.json"));
  cfg["r"] = 4;
  std::ofstream(dir / "shape" / "adapter_config.json") << cfg.dump();
  expect_error((dir / "shape").string(), "has shape [3, 64], expected [4, 64]");

  LoraAdapter embed = good;  // not a linear layer LoRA adapts here
  embed.modules[0].weight = "model.embed_tokens.weight";
  WriteLoraAdapter((dir / "embed").string(), embed, kTiny);
  expect_error((dir / "embed").string(), "'model.embed_tokens.weight', which is not a linear layer");

  cfg = nlohmann::json::parse(ReadBytes(dir / "good" / "adapter_config.json"));
  cfg["target_modules"] = {"q_proj", "qkv"};
  std::ofstream(dir / "good" / "adapter_config.json") << cfg.dump();
  expect_error((dir / "good").string(), "target module 'qkv' is not a linear layer");
  cfg["target_modules"] = {"q_proj"};
  cfg["use_dora"] = true;
  std::ofstream(dir / "good" / "adapter_config.json") << cfg.dump();
  expect_error((dir / "good").string(), "'use_dora' is not supported");
  cfg["use_dora"] = false;
  cfg["modules_to_save"] = {"lm_head"};
  std::ofstream(dir / "good" / "adapter_config.json") << cfg.dump();
  expect_error((dir / "good").string(), "'modules_to_save' is not supported");
  cfg["modules_to_save"] = {"mm_projector"};  // named, but no projector tensor in the file
  std::ofstream(dir / "good" / "adapter_config.json") << cfg.dump();
  expect_error((dir / "good").string(), "'base_model.model.model.mm_projector.readout.0.weight' is missing");

  try {
    SelectLinears(config, {"q_proj", "qkv_proj"}, {});
    ADD_FAILURE() << "unknown recipe target accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'qkv_proj' is not a linear layer of the decoder"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace hm
