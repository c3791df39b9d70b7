// Gradient goldens: PyTorch autograd through the reference twin (tools/reference/
// make_grad_goldens.py) on three text conversations, for Qwen2 (bias, untied) and Qwen3
// (q/k norm, tied), with the reference processor's labels.
#include "train/batch_grad.h"

#include <gtest/gtest.h>

#include <cmath>

#include "io/json_file.h"
#include "io/safetensors.h"
#include "text/chat_template.h"

namespace hm::train {
namespace {

const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/";

class BatchGradGolden : public ::testing::TestWithParam<std::string> {
 protected:
  ThreadPool pool{2};
};

TEST_P(BatchGradGolden, LabelsLossAndEveryGradientMatchPyTorch) {
  const std::string dir = kRoot + "models/" + GetParam();
  const std::string golden = kRoot + "goldens/" + GetParam() + "/train/grad_text";
  const nlohmann::json expected = ReadJsonFile(golden + ".json");
  const std::vector<LabelledTokens> samples =
      LabelTextSamples(kRoot + "train/grad_text.jsonl", Tokenizer::FromDir(dir), FindChatTemplate(dir));
  ASSERT_EQ(samples.size(), expected["labels"].size());
  for (size_t i = 0; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i].ids, expected["input_ids"][i].get<std::vector<int32_t>>()) << "sample " << i;
    EXPECT_EQ(samples[i].labels, expected["labels"][i].get<std::vector<int32_t>>()) << "sample " << i;
  }

  ParamSet params = ParamSet::FromCheckpoint(dir);
  const DecoderTrainer decoder(params);
  const BatchLoss loss = AccumulateBatchGradients(decoder, samples, pool);
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
    for (size_t i = 0; i < p.grad.size(); ++i) tensor_worst = std::max(tensor_worst, double(std::abs(p.grad[i] - want[i])));
    EXPECT_LE(tensor_worst, 1e-4 * largest) << e.name;
    worst = std::max(worst, tensor_worst);
    ++compared;
  }
  EXPECT_EQ(compared + expected["zero_gradient"].size(), params.params().size());
  for (const std::string& name : expected["zero_gradient"].get<std::vector<std::string>>())
    for (const float g : params.Get(name).grad) ASSERT_EQ(g, 0.0f) << name;
  std::printf("%s: loss %.7f (golden %.7f), max |grad diff| %.3g = %.3g of the largest entry\n", GetParam().c_str(),
              loss.loss, expected["loss"].get<double>(), worst, worst / largest);
}

INSTANTIATE_TEST_SUITE_P(Tiny, BatchGradGolden, ::testing::Values("tiny-qwen2", "tiny-qwen3"));

}  // namespace
}  // namespace hm::train
