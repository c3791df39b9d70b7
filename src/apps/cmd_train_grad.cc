// hulumed train grad: the loss and the gradient of every parameter for a set of samples taken
// as one batch, written as safetensors under the checkpoint's own tensor names: the trainer's
// verification interface, to compare against PyTorch.
#include <cstdio>
#include <cstring>
#include <memory>

#include "apps/commands.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "text/chat_template.h"
#include "train/batch_grad.h"

namespace hm {
namespace {

struct TrainGradOptions {
  std::string model_dir, data, out;
  int threads = 0;
};

void RunTrainGrad(const TrainGradOptions& o) {
  ThreadPool pool(o.threads);
  ParamSet params = ParamSet::FromCheckpoint(o.model_dir);
  const std::vector<TrainingSample> samples =
      ReadTrainingSamples(o.data, Tokenizer::FromDir(o.model_dir), FindChatTemplate(o.model_dir), params.config(),
                          ReadPreprocessorConfig(o.model_dir));
  const train::DecoderTrainer decoder(params);
  std::unique_ptr<train::VisionTrainer> vision;
  if (params.config().vision) vision = std::make_unique<train::VisionTrainer>(params);
  const train::BatchLoss loss = train::AccumulateBatchGradients(
      decoder, vision.get(), static_cast<int32_t>(params.config().image_token_index), samples, pool);

  std::vector<TensorToWrite> tensors;
  for (size_t i = 0; i < params.params().size(); ++i) {
    const std::span<const float> grad = params.params()[i].grad;
    tensors.push_back({params.params()[i].name, DType::kF32, params.shape(i),
                       [grad](std::span<uint8_t> dst) { std::memcpy(dst.data(), grad.data(), grad.size_bytes()); }});
  }
  const float loss_value = static_cast<float>(loss.loss);
  tensors.push_back({"loss", DType::kF32, {}, [loss_value](std::span<uint8_t> dst) {
                       std::memcpy(dst.data(), &loss_value, sizeof loss_value);
                     }});
  WriteSafetensors(o.out, tensors);
  std::printf("loss %.7f over %lld label tokens of %zu samples; %zu gradients written to %s\n", loss.loss,
              static_cast<long long>(loss.label_tokens), samples.size(), params.params().size(), o.out.c_str());
}

}  // namespace

void AddTrainGradCommand(CLI::App& app) {
  auto* cmd = TrainGroup(app)->add_subcommand("grad", "Loss and gradient of every parameter for samples taken as one batch");
  auto o = std::make_shared<TrainGradOptions>();
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory (HF layout, f32/bf16/f16)")->required();
  cmd->add_option("--data", o->data, "JSONL of training records: \"conversations\" plus \"image\", \"video\" or \"volume\"")
      ->required();
  cmd->add_option("--out", o->out, "Safetensors file: f32 gradients under the checkpoint's names, plus `loss`")
      ->required();
  cmd->add_option("-t,--threads", o->threads, "Worker threads (default: all cores)");
  cmd->callback([o] { RunTrainGrad(*o); });
}

}  // namespace hm
