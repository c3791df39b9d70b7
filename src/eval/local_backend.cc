#include "eval/local_backend.h"

#include <filesystem>

#include "core/error.h"
#include "eval/py_str.h"
#include "model/kv_cache.h"
#include "runtime/generate.h"
#include "runtime/media_request.h"
#include "runtime/request_policy.h"
#include "text/chat_template.h"

namespace hm::eval {

std::vector<MediaItem> SampleMedia(const EvalSample& sample) {
  if (!sample.media_specs.empty()) {
    std::vector<MediaItem> media;
    for (MediaSpec spec : sample.media_specs) {
      spec.what = "sample " + sample.id + ": " + spec.path;
      media.push_back(LoadMedia(spec));
    }
    return media;
  }
  const std::vector<std::string> files = MediaFiles(sample);
  std::vector<MediaItem> media;
  for (const std::string& f : files) {
    MediaSpec spec;
    spec.path = f;
    spec.what = "sample " + sample.id + ": " + f;
    media.push_back(LoadMedia(spec));
  }
  if (media.size() <= 5) return media;
  // load_images returns every file as a PIL image; the processor takes them as one video.
  Frames video;
  video.from_pil = true;
  video.merge_size = 2;
  for (size_t i = 0; i < media.size(); ++i) {
    video.images.push_back(std::move(media[i].frames.images.at(0)));
    video.timestamps.push_back(static_cast<double>(i));
  }
  return {{MediaKind::kVideo, std::move(video)}};
}

LocalBackend::LocalBackend(LocalOptions options)
    : options_(std::move(options)),
      model_(options_.model_dir),
      tokenizer_(Tokenizer::FromDir(options_.model_dir)),
      chat_template_(FindChatTemplate(options_.model_dir)),
      pool_(options_.threads) {
  if (std::filesystem::exists(std::filesystem::path(options_.model_dir) / "preprocessor_config.json"))
    preprocessor_ = std::make_unique<PreprocessorConfig>(ReadPreprocessorConfig(options_.model_dir));
}

std::string LocalBackend::model_name() const {
  return std::filesystem::path(options_.model_dir).lexically_normal().filename().string();
}

PreparedPrompt LocalBackend::Prepare(const EvalSample& sample) {
  ChatRequest request;
  request.media = SampleMedia(sample);
  HM_CHECK(request.media.empty() || preprocessor_, options_.model_dir,
           ": no preprocessor_config.json, so this checkpoint cannot take the sample's images");
  HM_CHECK(sample.messages.empty() || request.media.empty(), "sample ", sample.id,
           ": a whole conversation with media is not supported");
  // A whole conversation as it is (the chat template renders every turn), else one user turn.
  request.messages = sample.messages;
  if (request.messages.empty()) request.messages.push_back(UserMessage(request.media, sample.prompt));
  const MultimodalOptions media_options = ResolveMultimodalOptions(VisualSettings{}, model_.config());
  return PreparePrompt(model_, tokenizer_, chat_template_, preprocessor_ ? *preprocessor_ : PreprocessorConfig{},
                       request, media_options, pool_);
}

std::string LocalBackend::Respond(const EvalSample& sample) {
  std::lock_guard<std::mutex> lock(mutex_);
  const PreparedPrompt prepared = Prepare(sample);
  const int64_t n_prompt = static_cast<int64_t>(prepared.prompt.ids.size());
  if (n_prompt >= model_.config().llm.max_positions)
    throw SampleTooLong("sample " + sample.id + ": prompt of " + std::to_string(n_prompt) +
                        " tokens does not fit the model's context of " +
                        std::to_string(model_.config().llm.max_positions));
  const int64_t ctx = std::min<int64_t>(n_prompt + options_.max_new_tokens, model_.config().llm.max_positions);
  KvCache cache(model_.config().llm, std::max<int64_t>(ctx, 1), ResolveKvType(options_.kv_type, model_.weights()));
  SamplingRequest sampling;
  sampling.temperature = 0.0f;  // greedy, as MedUniEval's do_sample=False
  sampling.repetition_penalty = 1.0f;
  sampling.seed = 0;
  const GenerationOptions generation = ResolveGeneration(
      sampling, model_.generation_defaults(),
      static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(options_.max_new_tokens, ctx - n_prompt))));
  const GenerationResult result =
      Generate(model_.decoder(), cache, prepared.prompt, generation, pool_, [](int32_t) { return true; });
  return PyStrip(tokenizer_.Decode(result.tokens, /*skip_special=*/true));
}

}  // namespace hm::eval
