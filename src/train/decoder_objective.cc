#include "train/decoder_objective.h"

#include "core/error.h"
#include "train/batch_grad.h"

namespace hm {
namespace {

// Samples kept decoded: a micro-batch's worth, so the length check and the first draw of a
// record share one decode without holding a data set's pixels in memory.
constexpr size_t kRecentSamples = 32;

}  // namespace

SampleMediaOptions StageMediaOptions(const StageRecipe& stage) {
  SampleMediaOptions m;
  m.image_merge_size = stage.image_merge_size;
  m.video_merge_size = stage.video_merge_size;
  m.token_reduction = stage.token_reduction;
  m.fps = stage.fps;
  m.max_frames = stage.max_frames;
  m.max_visual_tokens = stage.max_visual_tokens;
  return m;
}

DecoderObjective::DecoderObjective(const std::string& model_dir, int threads, const SampleMediaOptions& media)
    : params_(ParamSet::FromCheckpoint(model_dir)),
      tokenizer_(Tokenizer::FromDir(model_dir)),
      chat_template_(FindChatTemplate(model_dir)),
      builder_(tokenizer_, chat_template_, params_.config(),
               params_.config().vision ? ReadPreprocessorConfig(model_dir) : PreprocessorConfig{},
               media),
      decoder_(params_),
      vision_(params_.config().vision ? std::make_unique<train::VisionTrainer>(params_) : nullptr),
      pool_(threads) {}

const TrainingSample& DecoderObjective::Sample(const TrainRecord& record) const {
  for (const auto& [where, sample] : recent_)
    if (where == record.where) return sample;
  HM_CHECK(record.media.empty() || vision_, record.where, ": the record has media but the checkpoint has no vision encoder");
  TrainingSample sample = builder_.Build(record);
  lengths_[record.where] = static_cast<int64_t>(sample.tokens.ids.size());
  if (recent_.size() == kRecentSamples) recent_.pop_front();
  recent_.emplace_back(record.where, std::move(sample));
  return recent_.back().second;
}

int64_t DecoderObjective::Length(const TrainRecord& record) const {
  auto it = lengths_.find(record.where);
  if (it != lengths_.end()) return it->second;
  return static_cast<int64_t>(Sample(record).tokens.ids.size());
}

void DecoderObjective::SetTrainedGroups(const GroupLrs& lrs) {
  decoder_.set_weight_grads(lrs.Trains(ModuleGroup::kLlm));
  if (vision_) vision_->set_trains(lrs.Trains(ModuleGroup::kVision), lrs.Trains(ModuleGroup::kProjector));
}

LossSum DecoderObjective::LossAndGrad(const Batch& batch, std::span<TrainParam> params) {
  std::vector<TrainingSample> samples;
  for (const TrainRecord* r : batch.samples) samples.push_back(Sample(*r));
  LossSum sum;
  for (const TrainingSample& s : samples) sum.tokens += s.tokens.label_count();
  if (sum.tokens == 0) return sum;
  const train::BatchLoss loss = train::AccumulateBatchGradients(
      decoder_, vision_.get(), static_cast<int32_t>(params_.config().image_token_index), samples, pool_, 1.0f);
  sum.loss = loss.loss * static_cast<double>(loss.label_tokens);
  return sum;
}

}  // namespace hm
