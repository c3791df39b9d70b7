#include "runtime/multimodal.h"

#include <algorithm>

#include "core/error.h"

namespace hm {

int64_t EncodedMedia::kept() const { return std::count(keep.begin(), keep.end(), 1); }

std::vector<EncodedMedia> EncodeMedia(const Model& model, const std::vector<Frames>& media,
                                      const PreprocessorConfig& preprocessor,
                                      const MultimodalOptions& options, ThreadPool& pool) {
  const VisionEncoder* vision = model.vision();
  HM_CHECK(vision, model.dir(), ": this checkpoint has no vision encoder; it takes text only");
  const bool reduce = options.token_reduction && model.config().use_token_compression;
  std::vector<EncodedMedia> out;
  for (const PreprocessedMedia& item : Preprocess(media, preprocessor, options.preprocess)) {
    EncodedMedia e;
    e.grid = item.grid;
    e.frames = item.grid[0];
    e.tokens_per_frame = (item.grid[1] / item.merge_size) * (item.grid[2] / item.merge_size);
    const std::vector<float> features = vision->Encode(item, pool);
    const bool video = item.merge_size > 1 && e.frames > 1;
    if (!reduce || !video) {
      e.keep.assign(static_cast<size_t>(e.frames * e.tokens_per_frame), 1);
    } else if (options.reduction.rule == TokenReductionOptions::Rule::kPaper) {
      e.keep = FeatureKeepMask(features, e.frames, e.tokens_per_frame, vision->hidden(), options.reduction);
    } else {
      e.keep = PixelKeepMask(item, options.reduction);
    }
    e.features = vision->Project(features, pool);
    out.push_back(std::move(e));
  }
  return out;
}

Prompt AssemblePrompt(const Decoder& decoder, const std::vector<int32_t>& ids, int32_t image_token,
                      const std::vector<EncodedMedia>& media) {
  const int64_t hidden = decoder.config().hidden;
  int64_t frames = 0;
  for (const EncodedMedia& m : media) frames += m.frames;
  const int64_t placeholders = std::count(ids.begin(), ids.end(), image_token);
  HM_CHECK(placeholders == frames, "the prompt has ", placeholders, " image placeholders but the media have ",
           frames, " frames (one placeholder per frame)");
  Prompt p;
  size_t item = 0;
  int64_t frame = 0;
  std::vector<float> row(static_cast<size_t>(hidden));
  for (const int32_t id : ids) {
    if (id != image_token) {
      decoder.Embed({&id, 1}, row.data());
      p.ids.push_back(id);
      p.embeddings.insert(p.embeddings.end(), row.begin(), row.end());
      continue;
    }
    const EncodedMedia& m = media[item];
    for (int64_t k = frame * m.tokens_per_frame; k < (frame + 1) * m.tokens_per_frame; ++k) {
      if (!m.keep[static_cast<size_t>(k)]) continue;
      p.ids.push_back(image_token);
      const float* f = m.features.data() + k * hidden;
      p.embeddings.insert(p.embeddings.end(), f, f + hidden);
    }
    if (++frame == m.frames) ++item, frame = 0;
  }
  return p;
}

}  // namespace hm
