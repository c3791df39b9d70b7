#include "eval/local_backend.h"

#include <filesystem>

#include "core/error.h"
#include "eval/strings.h"
#include "media/image_file.h"
#include "model/kv_cache.h"
#include "runtime/generate.h"
#include "text/chat_template.h"

namespace hm::eval {
std::vector<MediaItem> SampleMedia(const EvalSample& sample) {
  const std::vector<std::string> files = MediaFiles(sample);
  std::vector<MediaItem> media;
  if (files.size() > 5) {
    Frames video;
    video.from_pil = true;  // PIL images handed to the processor, as load_images returns them
    video.merge_size = 2;
    for (size_t i = 0; i < files.size(); ++i) {
      video.images.push_back(LoadImageFile(files[i]));
      video.timestamps.push_back(static_cast<double>(i));
    }
    media.push_back({MediaKind::kVideo, std::move(video)});
  } else {
    for (const std::string& f : files) media.push_back({MediaKind::kImage, StillImage(LoadImageFile(f))});
  }
  return media;
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

std::string LocalBackend::Respond(const EvalSample& sample) {
  std::lock_guard<std::mutex> lock(mutex_);
  ChatRequest request;
  request.media = SampleMedia(sample);
  HM_CHECK(request.media.empty() || preprocessor_, options_.model_dir,
           ": no preprocessor_config.json, so this checkpoint cannot take the sample's images");
  request.messages.push_back(UserMessage(request.media, sample.prompt));
  MultimodalOptions media_options;
  media_options.reduction.bf16_pixels = model_.config().torch_dtype == "bfloat16";  // as `run` resolves "auto"
  const PreparedPrompt prepared = PreparePrompt(model_, tokenizer_, chat_template_,
                                                preprocessor_ ? *preprocessor_ : PreprocessorConfig{}, request,
                                                media_options, pool_);
  const int64_t n_prompt = static_cast<int64_t>(prepared.prompt.ids.size());
  const int64_t ctx = std::min<int64_t>(n_prompt + options_.max_new_tokens, model_.config().llm.max_positions);
  KvCache cache(model_.config().llm, std::max<int64_t>(ctx, 1), ResolveKvType(options_.kv_type, model_.weights()));
  GenerationOptions generation;
  generation.max_new_tokens = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(options_.max_new_tokens, ctx - n_prompt)));
  generation.stop_ids = model_.generation_defaults().eos_ids;
  generation.sampler.temperature = 0.0f;  // greedy, as MedUniEval's do_sample=False
  generation.sampler.repetition_penalty = 1.0f;
  const GenerationResult result =
      Generate(model_.decoder(), cache, prepared.prompt, generation, pool_, [](int32_t) { return true; });
  return Strip(tokenizer_.Decode(result.tokens, /*skip_special=*/true));
}

}  // namespace hm::eval
