#include "train/batch_grad.h"

#include "core/error.h"

namespace hm::train {

BatchLoss AccumulateBatchGradients(const DecoderTrainer& decoder, std::span<const LabelledTokens> batch,
                                   ThreadPool& pool) {
  BatchLoss result;
  for (const LabelledTokens& s : batch) result.label_tokens += s.label_count();
  HM_CHECK(result.label_tokens > 0, "the batch has no label token (no assistant turn)");
  const float scale = 1.0f / static_cast<float>(result.label_tokens);
  const int64_t h = decoder.config().hidden;
  double sum = 0;
  for (const LabelledTokens& s : batch) {
    const int64_t n = static_cast<int64_t>(s.ids.size());
    std::vector<int64_t> rows;
    std::vector<int32_t> targets;
    for (int64_t t = 0; t + 1 < n; ++t)
      if (s.labels[t + 1] != kIgnoreLabel) {
        rows.push_back(t);
        targets.push_back(s.labels[t + 1]);
      }
    if (rows.empty()) continue;  // nothing to learn from, and nothing flows back
    DecoderTrainer::Tape tape;
    decoder.Forward(decoder.Embed(s.ids).data(), n, tape, pool);
    std::vector<float> d_out(static_cast<size_t>(n * h)), dx(static_cast<size_t>(n * h));
    sum += decoder.Loss(tape, rows, targets, scale, d_out.data(), pool);
    decoder.Backward(tape, d_out.data(), dx.data(), pool);
    decoder.EmbedBackward(s.ids, dx.data());
  }
  result.loss = sum / static_cast<double>(result.label_tokens);
  return result;
}

}  // namespace hm::train
