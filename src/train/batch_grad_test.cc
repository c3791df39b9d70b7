// Gradient goldens: PyTorch autograd through the reference twin (tools/reference/
// make_grad_goldens.py), for Qwen2 (bias, untied) and Qwen3 (q/k norm, tied): three text
// conversations, and one image with a question, with the reference processor's labels.
#include "train/batch_grad.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "io/json_file.h"
#include "io/npy.h"
#include "io/safetensors.h"
#include "text/chat_template.h"
#include "train/golden_samples.h"

namespace hm::train {
namespace {

const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/";

// The samples' ids and labels are the reference processor's; the loss and every gradient are
// PyTorch's (max |diff| <= 1e-4 of the largest entry); tensors the golden has no gradient for
// get exactly zero.
void ExpectGradientsMatch(const std::string& model, std::span<const TrainingSample> samples, const std::string& golden,
                          ThreadPool& pool) {
  const nlohmann::json expected = ReadJsonFile(golden + ".json");
  ASSERT_EQ(samples.size(), expected["labels"].size());
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i].tokens.ids, expected["input_ids"][i].get<std::vector<int32_t>>()) << "sample " << i;
    EXPECT_EQ(samples[i].tokens.labels, expected["labels"][i].get<std::vector<int32_t>>()) << "sample " << i;
  }
  ParamSet params = ParamSet::FromCheckpoint(kRoot + "models/" + model);
  const DecoderTrainer decoder(params);
  const VisionTrainer vision(params);
  const BatchLoss loss = AccumulateBatchGradients(
      decoder, &vision, static_cast<int32_t>(params.config().image_token_index), samples, pool);
  EXPECT_EQ(loss.label_tokens, expected["label_tokens"].get<int64_t>());
  EXPECT_NEAR(loss.loss, expected["loss"].get<double>(), 1e-5 * expected["loss"].get<double>());

  const SafetensorsFile file(golden + ".safetensors");
  const double largest = expected["largest_gradient"].get<double>();
  double worst = 0;
  size_t compared = 0;
  for (const SafetensorsEntry& e : file.header().tensors) {
    if (e.name == "loss") continue;
    const TensorView t = file.View(e);
    const float* want = static_cast<const float*>(t.data);
    const TrainParam& p = params.Get(e.name);
    ASSERT_EQ(static_cast<int64_t>(p.grad.size()), t.numel()) << e.name;
    double tensor_worst = 0;
    for (size_t i = 0; i < p.grad.size(); ++i)
      tensor_worst = std::max(tensor_worst, double(std::abs(p.grad[i] - want[i])));
    EXPECT_LE(tensor_worst, 1e-4 * largest) << e.name;
    worst = std::max(worst, tensor_worst);
    ++compared;
  }
  EXPECT_EQ(compared + expected["zero_gradient"].size(), params.params().size());
  for (const std::string& name : expected["zero_gradient"].get<std::vector<std::string>>())
    for (const float g : params.Get(name).grad) ASSERT_EQ(g, 0.0f) << name;
  std::printf("%s: loss %.7f (golden %.7f), max |grad diff| %.3g = %.3g of the largest entry, %zu tensors\n",
              golden.substr(kRoot.size()).c_str(), loss.loss, expected["loss"].get<double>(), worst, worst / largest,
              compared);
}

class BatchGradGolden : public ::testing::TestWithParam<std::string> {
 protected:
  ThreadPool pool{2};
};

TEST_P(BatchGradGolden, TextConversations) {
  const std::string dir = kRoot + "models/" + GetParam();
  const std::vector<TrainingSample> samples =
      ReadTrainingSamples(kRoot + "train/grad_text.jsonl", Tokenizer::FromDir(dir), FindChatTemplate(dir),
                          LoadModelConfig(dir), ReadPreprocessorConfig(dir));
  ExpectGradientsMatch(GetParam(), samples, kRoot + "goldens/" + GetParam() + "/train/grad_text", pool);
}

// The vision goldens' pixel rows (merge size 1): the gradient reaches the projector and every
// vision encoder parameter through the image-token slots.
TEST_P(BatchGradGolden, OneImage) {
  const TrainingSample sample =
      GoldenImageSample(kRoot + "models/" + GetParam(), kRoot + "goldens/" + GetParam() + "/vision");
  ExpectGradientsMatch(GetParam(), {&sample, 1}, kRoot + "goldens/" + GetParam() + "/train/grad_image", pool);
}

// The 4-slice volume (merge size 2: the bilinear downsample) with the float32 reduction mask:
// dropped tokens have no slot, and the encoder gets no gradient through them.
TEST_P(BatchGradGolden, VolumeWithTokenReduction) {
  const TrainingSample sample =
      GoldenVolumeSample(kRoot + "models/" + GetParam(), kRoot + "goldens/" + GetParam() + "/vision");
  ExpectGradientsMatch(GetParam(), {&sample, 1}, kRoot + "goldens/" + GetParam() + "/train/grad_volume", pool);
}

INSTANTIATE_TEST_SUITE_P(Tiny, BatchGradGolden, ::testing::Values("tiny-qwen2", "tiny-qwen3"));

}  // namespace
}  // namespace hm::train
