#include "train/batch_grad.h"

#include "core/error.h"

namespace hm::train {

BatchLoss AccumulateBatchGradients(const DecoderTrainer& decoder, const VisionTrainer* vision, int32_t image_token,
                                   std::span<const TrainingSample> batch, ThreadPool& pool,
                                   std::optional<float> grad_scale) {
  BatchLoss result;
  for (const TrainingSample& s : batch) result.label_tokens += s.tokens.label_count();
  HM_CHECK(result.label_tokens > 0, "the batch has no label token (no assistant turn)");
  const float scale = grad_scale.value_or(1.0f / static_cast<float>(result.label_tokens));
  const int64_t h = decoder.config().hidden;
  double sum = 0;
  for (const TrainingSample& sample : batch) {
    const LabelledTokens& s = sample.tokens;
    const int64_t n = static_cast<int64_t>(s.ids.size());
    std::vector<int64_t> rows;
    std::vector<int32_t> targets;
    for (int64_t t = 0; t + 1 < n; ++t)
      if (s.labels[t + 1] != kIgnoreLabel) {
        rows.push_back(t);
        targets.push_back(s.labels[t + 1]);
      }
    if (rows.empty()) continue;  // nothing to learn from, and nothing flows back
    // The image-token slots, in order, and the visual tokens that fill them.
    std::vector<int64_t> slots;
    for (int64_t t = 0; t < n; ++t)
      if (s.ids[t] == image_token) slots.push_back(t);
    std::vector<VisionTrainer::Tape> vision_tapes(sample.media.size());
    std::vector<float> visual;           // [slots, hidden]: the kept tokens of every item
    std::vector<int64_t> visual_counts;  // tokens per item before reduction
    for (size_t m = 0; m < sample.media.size(); ++m) {
      HM_CHECK(vision, "a sample has media but the checkpoint has no vision encoder");
      const std::vector<float> tokens = vision->Forward(sample.media[m], vision_tapes[m], pool);
      const int64_t count = static_cast<int64_t>(tokens.size()) / h;
      const bool all = m >= sample.kept.size() || sample.kept[m].empty();
      HM_CHECK(all || static_cast<int64_t>(sample.kept[m].size()) == count, "a reduction mask of ",
               sample.kept[m].size(), " entries for ", count, " visual tokens");
      for (int64_t i = 0; i < count; ++i)
        if (all || sample.kept[m][i]) visual.insert(visual.end(), tokens.begin() + i * h, tokens.begin() + (i + 1) * h);
      visual_counts.push_back(count);
    }
    HM_CHECK(static_cast<int64_t>(visual.size()) == static_cast<int64_t>(slots.size()) * h, "a sample has ",
             slots.size(), " image tokens for ", visual.size() / h, " visual tokens");
    std::vector<float> x = decoder.Embed(s.ids);
    for (size_t i = 0; i < slots.size(); ++i) std::copy_n(visual.begin() + i * h, h, x.begin() + slots[i] * h);

    DecoderTrainer::Tape tape;
    decoder.Forward(x.data(), n, tape, pool);
    std::vector<float> d_out(static_cast<size_t>(n * h)), dx(static_cast<size_t>(n * h));
    sum += decoder.Loss(tape, rows, targets, scale, d_out.data(), pool);
    // A frozen decoder is still differentiated when the visual tokens below it learn.
    const bool vision_learns = !sample.media.empty() && vision->trains_any();
    if (!decoder.weight_grads() && !vision_learns) continue;
    decoder.Backward(tape, d_out.data(), dx.data(), pool);

    // Gather the slots' gradients for the vision tower and keep them from the embedding.
    std::vector<float> d_visual(visual.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      std::copy_n(dx.begin() + slots[i] * h, h, d_visual.begin() + i * h);
      std::fill_n(dx.begin() + slots[i] * h, h, 0.0f);
    }
    decoder.EmbedBackward(s.ids, dx.data());
    if (!vision_learns) continue;
    const float* next = d_visual.data();
    for (size_t m = 0; m < sample.media.size(); ++m) {
      const bool all = m >= sample.kept.size() || sample.kept[m].empty();
      std::vector<float> d_tokens(static_cast<size_t>(visual_counts[m] * h), 0.0f);  // dropped: zero
      for (int64_t i = 0; i < visual_counts[m]; ++i)
        if (all || sample.kept[m][i]) {
          std::copy_n(next, h, d_tokens.begin() + i * h);
          next += h;
        }
      vision->Backward(sample.media[m], vision_tapes[m], d_tokens.data(), pool);
    }
  }
  result.loss = sum / static_cast<double>(result.label_tokens);
  return result;
}

}  // namespace hm::train
