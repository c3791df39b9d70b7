#include "train/lora_objective.h"

#include <cmath>
#include <random>

#include "core/error.h"
#include "train/batch_grad.h"
#include "train/training_samples.h"

namespace hm {
namespace {

// FNV-1a over the batch's record locations: the same batch draws the same dropout masks, in a
// resumed run too.
uint64_t BatchSeed(const Batch& batch) {
  uint64_t h = 1469598103934665603ull;
  for (const TrainRecord* r : batch.samples)
    for (const char c : r->where + "\n") h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  return h;
}

}  // namespace

LoraObjective::LoraObjective(const std::string& model_dir, const LoraStage& lora, uint64_t seed, int threads,
                             const SampleMediaOptions& media, bool train_projector)
    : base_(model_dir),
      settings_(lora.settings),
      targets_(SelectLinears(base_.config(), lora.llm_targets, lora.vision_targets)),
      decoder_(base_.config().llm, base_.weights().decoder),
      tokenizer_(Tokenizer::FromDir(model_dir)),
      chat_template_(FindChatTemplate(model_dir)),
      builder_(tokenizer_, chat_template_, base_.config(),
               base_.config().vision ? ReadPreprocessorConfig(model_dir) : PreprocessorConfig{}, media),
      pool_(threads) {
  if (base_.weights().vision) vision_ = std::make_unique<train::VisionTrainer>(base_.config(), base_.weights());
  decoder_.set_recompute_activations(lora.recompute_activations);
  const int64_t r = settings_.rank;
  std::mt19937_64 rng(seed);
  if (train_projector) {
    HM_CHECK(vision_, model_dir, ": the projector cannot train: the model has no vision tower");
    projector_ = ProjectorLayers(base_.config());
  }
  const size_t count = 2 * (targets_.size() + projector_.size());
  values_.reserve(count);  // params_ views point into these: no reallocation
  grads_.reserve(count);
  params_.reserve(count);
  for (const AdaptableLinear& t : targets_) {
    // PEFT: kaiming_uniform_(A, a=√5), i.e. U(-1/√in, 1/√in); B = 0.
    std::vector<float>& a = values_.emplace_back(static_cast<size_t>(r * t.in));
    const double bound = 1.0 / std::sqrt(static_cast<double>(t.in));
    for (float& v : a) v = static_cast<float>((static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2 - 1) * bound);
    values_.emplace_back(static_cast<size_t>(t.out * r), 0.0f);
  }
  for (size_t i = 0; i < projector_.size(); ++i) {  // f32 masters of the base's projector, as on disk
    const Linear& l = base_.weights().projector[i];
    std::vector<float>& w = values_.emplace_back(static_cast<size_t>(l.weight.rows * l.weight.cols));
    for (int64_t row = 0; row < l.weight.rows; ++row) kernels::RowToF32(l.weight, row, w.data() + row * l.weight.cols);
    values_.push_back(l.bias);
  }
  for (const std::vector<float>& v : values_) grads_.emplace_back(v.size(), 0.0f);
  for (size_t i = 0; i < targets_.size(); ++i) {
    const ModuleGroup group = targets_[i].vision ? ModuleGroup::kVision : ModuleGroup::kLlm;
    params_.push_back({PeftLoraAName(targets_[i].weight), values_[2 * i], grads_[2 * i], group, true});
    params_.push_back({PeftLoraBName(targets_[i].weight), values_[2 * i + 1], grads_[2 * i + 1], group, true});
  }
  for (size_t i = 0, v = 2 * targets_.size(); i < projector_.size(); ++i, v += 2) {
    params_.push_back({projector_[i].module + ".weight", values_[v], grads_[v], ModuleGroup::kProjector, true});
    params_.push_back({projector_[i].module + ".bias", values_[v + 1], grads_[v + 1], ModuleGroup::kProjector, false});
  }
  if (!projector_.empty()) vision_->TrainProjector(std::span(params_).subspan(2 * targets_.size()));
  layers_.reserve(targets_.size());
  for (size_t i = 0; i < targets_.size(); ++i) {
    const AdaptableLinear& t = targets_[i];
    layers_.push_back({&params_[2 * i], &params_[2 * i + 1],
                       LowRank{kernels::Matrix{DType::kF32, r, t.in, values_[2 * i].data()},
                               kernels::Matrix{DType::kF32, t.out, r, values_[2 * i + 1].data()}, settings_.Scale()},
                       static_cast<float>(settings_.dropout)});
    if (t.vision)
      vision_->Adapt(t.weight, &layers_.back());
    else
      decoder_.Adapt(t.weight, &layers_.back());
  }
}

TrainingSample LoraObjective::Sample(const TrainRecord& record) const {
  // A packed text record carries its tokens: remembering every drawn one would grow with the pack.
  if (record.packed && record.media.empty()) return {record.packed->tokens, {}, {}};
  if (record.media.empty()) {
    auto it = labelled_.find(record.where);
    if (it == labelled_.end()) it = labelled_.emplace(record.where, builder_.Build(record).tokens).first;
    return {it->second, {}};
  }
  HM_CHECK(vision_, record.where, ": the record has media but the checkpoint has no vision encoder");
  TrainingSample sample = builder_.Build(record);
  if (!record.packed) media_lengths_[record.where] = static_cast<int64_t>(sample.tokens.ids.size());
  return sample;
}

int64_t LoraObjective::Length(const TrainRecord& record) const {
  if (record.packed) return static_cast<int64_t>(record.packed->tokens.ids.size());
  const auto it = media_lengths_.find(record.where);
  return it != media_lengths_.end() ? it->second : static_cast<int64_t>(Sample(record).tokens.ids.size());
}

void LoraObjective::SetTrainedGroups(const GroupLrs& lrs) {
  HM_CHECK(!lrs.Trains(ModuleGroup::kProjector) || !projector_.empty(),
           "the LoRA objective was made with a frozen projector, but the stage gives it a learning rate");
}

LossSum LoraObjective::LossAndGrad(const Batch& batch, std::span<TrainParam>) {
  std::vector<TrainingSample> samples;
  for (const TrainRecord* r : batch.samples) samples.push_back(Sample(*r));
  return SamplesLossAndGrad(samples, BatchSeed(batch));
}

LossSum LoraObjective::SamplesLossAndGrad(std::span<const TrainingSample> samples, uint64_t seed) {
  LossSum sum;
  for (const TrainingSample& s : samples) sum.tokens += s.tokens.label_count();
  if (sum.tokens == 0) return sum;
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i].seed = seed + 0x9E3779B97F4A7C15ull * (i + 1);
  const train::BatchLoss loss = train::AccumulateBatchGradients(
      decoder_, vision_.get(), static_cast<int32_t>(base_.config().image_token_index), samples, pool_, 1.0f);
  sum.loss = loss.loss * static_cast<double>(loss.label_tokens);
  return sum;
}

LoraAdapter LoraObjective::Adapter() const {
  LoraAdapter adapter{settings_, {}};
  for (size_t i = 0; i < targets_.size(); ++i)
    adapter.modules.push_back({targets_[i].weight, targets_[i].out, targets_[i].in, values_[2 * i], values_[2 * i + 1]});
  for (size_t i = 0, v = 2 * targets_.size(); i < projector_.size(); ++i, v += 2) {
    const ProjectorLayer& l = projector_[i];
    adapter.projector.push_back({l.module + ".weight", {l.out, l.in}, values_[v]});
    adapter.projector.push_back({l.module + ".bias", {l.out}, values_[v + 1]});
  }
  return adapter;
}

void LoraObjective::WriteCheckpointFiles(const std::string& dir) const {
  WriteLoraAdapter(dir, Adapter(), base_.dir());
}

}  // namespace hm
