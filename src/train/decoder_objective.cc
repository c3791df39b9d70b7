#include "train/decoder_objective.h"

#include "core/error.h"
#include "text/chat_template.h"
#include "train/batch_grad.h"
#include "train/training_samples.h"

namespace hm {
namespace {

nlohmann::json Conversations(const TrainRecord& record) {
  nlohmann::json out = nlohmann::json::array();
  for (const Turn& t : record.turns) {
    const char* from = t.role == Turn::Role::kUser ? "human" : t.role == Turn::Role::kAssistant ? "gpt" : "system";
    out.push_back({{"from", from}, {"value", t.text}});
  }
  return out;
}

}  // namespace

DecoderObjective::DecoderObjective(const std::string& model_dir, int threads)
    : params_(ParamSet::FromCheckpoint(model_dir)),
      tokenizer_(Tokenizer::FromDir(model_dir)),
      chat_template_(FindChatTemplate(model_dir)),
      decoder_(params_),
      pool_(threads) {}

const LabelledTokens& DecoderObjective::Labelled(const TrainRecord& record) const {
  auto it = labelled_.find(record.where);
  if (it != labelled_.end()) return it->second;
  HM_CHECK(record.media.empty(), record.where, ": samples with media are not trained yet (text only)");
  LabelledTokens tokens =
      LabelConversation(tokenizer_, chat_template_, MessagesFromConversations(Conversations(record), "<image>", {}, record.where));
  return labelled_.emplace(record.where, std::move(tokens)).first->second;
}

int64_t DecoderObjective::Length(const TrainRecord& record) const {
  return static_cast<int64_t>(Labelled(record).ids.size());
}

LossSum DecoderObjective::LossAndGrad(const Batch& batch, std::span<TrainParam> params) {
  std::vector<TrainingSample> samples;
  for (const TrainRecord* r : batch.samples) samples.push_back({Labelled(*r), {}});
  LossSum sum;
  for (const TrainingSample& s : samples) sum.tokens += s.tokens.label_count();
  if (sum.tokens == 0) return sum;
  const train::BatchLoss loss = train::AccumulateBatchGradients(
      decoder_, nullptr, static_cast<int32_t>(params_.config().image_token_index), samples, pool_, 1.0f);
  sum.loss = loss.loss * static_cast<double>(loss.label_tokens);
  return sum;
}

}  // namespace hm
