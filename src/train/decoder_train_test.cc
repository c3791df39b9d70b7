#include "train/decoder_train.h"

#include <gtest/gtest.h>

#include <cmath>

#include "io/json_file.h"
#include "model/model.h"

namespace hm::train {
namespace {

const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/";

std::vector<int32_t> PromptIds(const std::string& model) {
  return ReadJsonFile(kRoot + "goldens/" + model + "/chat_long.json")["prompt_ids"].get<std::vector<int32_t>>();
}

class DecoderTrainerTest : public ::testing::TestWithParam<std::string> {
 protected:
  ThreadPool pool{2};
};

// The training forward is the inference forward: logits at every position agree within 1e-5.
TEST_P(DecoderTrainerTest, LogitsEqualTheInferenceDecoders) {
  const std::string dir = kRoot + "models/" + GetParam();
  const Model model(dir);
  const std::vector<int32_t> ids = PromptIds(GetParam());
  const int64_t n = static_cast<int64_t>(ids.size()), vocab = model.config().llm.vocab;
  std::vector<float> x(n * model.config().llm.hidden), expected(n * vocab);
  model.decoder().Embed(ids, x.data());
  KvCache cache(model.config().llm, n);
  model.decoder().Forward(x.data(), n, cache, expected.data(), /*all_logits=*/true, pool);

  ParamSet params = ParamSet::FromCheckpoint(dir);
  DecoderTrainer trainer(params);
  DecoderTrainer::Tape tape;
  trainer.Forward(trainer.Embed(ids).data(), n, tape, pool);
  std::vector<int64_t> rows(n);
  for (int64_t i = 0; i < n; ++i) rows[i] = i;
  std::vector<float> logits(n * vocab);
  trainer.Logits(tape, rows, logits.data(), pool);
  double worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) worst = std::max(worst, double(std::abs(logits[i] - expected[i])));
  EXPECT_LE(worst, 1e-5) << GetParam();
  std::printf("%s: training logits within %.3g of inference's\n", GetParam().c_str(), worst);
}

// ∂loss/∂(one weight) against a central difference of the float32 loss, for a few entries of
// tensors of every kind; loose, since the difference itself is float32.
TEST_P(DecoderTrainerTest, GradientsMatchFiniteDifferencesOfTheLoss) {
  ParamSet params = ParamSet::FromCheckpoint(kRoot + "models/" + GetParam());
  DecoderTrainer trainer(params);
  const std::vector<int32_t> ids = {299, 117, 115, 198, 104, 105, 300, 198, 299, 97, 198, 106, 300};
  const std::vector<int64_t> rows = {9, 10, 11};
  const std::vector<int32_t> targets = {198, 106, 300};
  const int64_t n = static_cast<int64_t>(ids.size()), h = trainer.config().hidden;
  auto loss = [&](bool backward) {
    DecoderTrainer::Tape tape;
    trainer.Forward(trainer.Embed(ids).data(), n, tape, pool);
    std::vector<float> d_out(n * h), dx(n * h);
    const double sum = trainer.Loss(tape, rows, targets, 1.0f / 3, d_out.data(), pool);
    if (backward) {
      trainer.Backward(tape, d_out.data(), dx.data(), pool);
      trainer.EmbedBackward(ids, dx.data());
    }
    return sum / 3;
  };
  params.ZeroGrads();
  loss(true);
  // Loss() itself adds to lm_head's gradient, so the differences below would disturb it.
  std::vector<std::vector<float>> grads;
  for (const TrainParam& p : params.params()) grads.emplace_back(p.grad.begin(), p.grad.end());
  for (size_t k = 0; k < params.params().size(); ++k) {
    TrainParam& p = params.params()[k];
    const std::vector<float>& grad = grads[k];
    if (p.name.starts_with("model.vision_encoder") || p.name.starts_with("model.mm_projector")) continue;
    // The entry with the largest gradient, so the float32 difference is meaningful.
    size_t at = 0;
    for (size_t i = 0; i < grad.size(); ++i)
      if (std::abs(grad[i]) > std::abs(grad[at])) at = i;
    const float keep = p.value[at], step = 1e-2f * std::max(1.0f, std::abs(keep));
    p.value[at] = keep + step;
    const double up = loss(false);
    p.value[at] = keep - step;
    const double down = loss(false);
    p.value[at] = keep;
    const double numeric = (up - down) / (2.0 * step);
    EXPECT_NEAR(grad[at], numeric, 2e-2 * std::abs(numeric) + 1e-4) << p.name << "[" << at << "]";
  }
}

// With recomputation the tape holds only layer inputs, and every gradient is bit-identical.
TEST_P(DecoderTrainerTest, RecomputationGivesIdenticalGradients) {
  ParamSet params = ParamSet::FromCheckpoint(kRoot + "models/" + GetParam());
  DecoderTrainer trainer(params);
  const std::vector<int32_t> ids = PromptIds(GetParam());
  const int64_t n = static_cast<int64_t>(ids.size()), h = trainer.config().hidden;
  std::vector<int64_t> rows;
  std::vector<int32_t> targets;
  for (int64_t t = 0; t + 1 < n; t += 3) {
    rows.push_back(t);
    targets.push_back(ids[t + 1]);
  }
  auto gradients = [&](bool recompute) {
    params.ZeroGrads();
    trainer.set_recompute_activations(recompute);
    DecoderTrainer::Tape tape;
    trainer.Forward(trainer.Embed(ids).data(), n, tape, pool);
    EXPECT_EQ(tape.layers[0].q.empty(), recompute);
    std::vector<float> d_out(n * h), dx(n * h);
    trainer.Loss(tape, rows, targets, 0.1f, d_out.data(), pool);
    trainer.Backward(tape, d_out.data(), dx.data(), pool);
    trainer.EmbedBackward(ids, dx.data());
    std::vector<std::vector<float>> grads;
    for (const TrainParam& p : params.params()) grads.emplace_back(p.grad.begin(), p.grad.end());
    return grads;
  };
  EXPECT_EQ(gradients(true), gradients(false));
}

INSTANTIATE_TEST_SUITE_P(Tiny, DecoderTrainerTest, ::testing::Values("tiny-qwen2", "tiny-qwen3"));

}  // namespace
}  // namespace hm::train
