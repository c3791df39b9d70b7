#include "data/record_check.h"

#include <filesystem>
#include <map>
#include <optional>
#include <variant>

#include "core/error.h"
#include "data/record_media.h"
#include "data/training_record.h"
#include "media/preprocess.h"
#include "media/preprocessor_config.h"
#include "text/tokenizer.h"

namespace hm {
namespace {

// Chat-template tokens around each turn: "<|im_start|>role\n" ... "<|im_end|>\n".
constexpr int64_t kTurnOverhead = 5;

// What the visual token count needs of decoded media: the first frame's size and the number
// of frames (TargetSizes reads nothing else), kept instead of the pixels.
Frames SizeOnly(const Frames& f) {
  Frames out;
  out.from_pil = f.from_pil;
  out.merge_size = f.merge_size;
  out.images.push_back(f.images.front());
  out.images.resize(f.images.size(), Image{1, 1, {0, 0, 0}});
  return out;
}

std::string Plural(size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

struct RecordChecker::Impl {
  CheckOptions options;
  std::optional<Tokenizer> tokenizer;
  PreprocessorConfig preprocessor;
  // Decoded media by path and options: a data set refers to one study many times.
  std::map<std::string, std::variant<Frames, std::string>> cache;

  const std::variant<Frames, std::string>& Load(const RecordMedia& m) {
    const std::string key = std::to_string(static_cast<int>(m.kind)) + "|" + m.path + "|" +
                            std::to_string(m.slices.value_or(-1)) + "|" + m.axis + "|" + m.window;
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    std::variant<Frames, std::string> v;
    try {
      Frames f = LoadRecordMedia(m);
      HM_CHECK(!f.images.empty(), m.path, ": no frames");
      v = SizeOnly(f);
    } catch (const std::exception& e) {
      v = std::string(e.what());
    }
    return cache.emplace(key, std::move(v)).first->second;
  }

  int64_t TextTokens(const std::string& text) const {
    if (tokenizer) return static_cast<int64_t>(tokenizer->Encode(text).size());
    return static_cast<int64_t>((text.size() + 3) / 4);
  }
};

RecordChecker::RecordChecker(const CheckOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  if (!options.model_dir.empty()) {
    impl_->tokenizer = Tokenizer::FromDir(options.model_dir);
    if (std::filesystem::exists(std::filesystem::path(options.model_dir) / "preprocessor_config.json")) {
      impl_->preprocessor = ReadPreprocessorConfig(options.model_dir);
    }
  }
}

RecordChecker::~RecordChecker() = default;

bool RecordChecker::exact_text_tokens() const { return impl_->tokenizer.has_value(); }

RecordReport RecordChecker::Check(const nlohmann::json& record, const std::string& media_root) {
  RecordReport out;
  TrainingRecord r;
  try {
    r = ParseTrainingRecord(record, media_root);
  } catch (const std::exception& e) {
    out.problems.push_back(e.what());
    return out;
  }
  // Roles: an optional system turn, then human and gpt alternating, ending with gpt.
  size_t first = 0;
  if (!r.turns.empty() && r.turns[0].from == "system") first = 1;
  for (size_t i = first; i < r.turns.size(); ++i) {
    const std::string expected = (i - first) % 2 == 0 ? "human" : "gpt";
    if (r.turns[i].from != expected) {
      out.problems.push_back("conversations[" + std::to_string(i) + "] is from \"" + r.turns[i].from + "\", expected \"" +
                             expected + "\" (roles must alternate human, gpt)");
      break;
    }
  }
  if (r.turns.size() <= first || r.turns.back().from != "gpt") {
    out.problems.push_back("the conversation does not end with a gpt (assistant) turn");
  }
  // Placeholders: one <image> per image, one <video> per video or volume, in human turns only.
  size_t image_marks = 0, video_marks = 0;
  for (size_t i = 0; i < r.turns.size(); ++i) {
    const size_t im = CountOccurrences(r.turns[i].value, "<image>"), vi = CountOccurrences(r.turns[i].value, "<video>");
    if (r.turns[i].from != "human" && im + vi > 0) {
      out.problems.push_back("conversations[" + std::to_string(i) + "] (" + r.turns[i].from + ") holds a media placeholder");
    }
    image_marks += im;
    video_marks += vi;
  }
  for (const RecordMedia& m : r.media) {
    out.images += m.kind == RecordMedia::Kind::kImage;
    out.videos += m.kind == RecordMedia::Kind::kVideo;
    out.volumes += m.kind == RecordMedia::Kind::kVolume;
  }
  if (image_marks != static_cast<size_t>(out.images)) {
    out.problems.push_back("<image> placeholders: " + std::to_string(image_marks) + " in the text for " +
                           Plural(out.images, "image"));
  }
  if (video_marks != static_cast<size_t>(out.videos + out.volumes)) {
    out.problems.push_back("<video> placeholders: " + std::to_string(video_marks) + " in the text for " +
                           Plural(out.videos + out.volumes, "video or volume"));
  }
  // Media: every item exists and decodes.
  std::vector<Frames> frames;
  bool media_ok = true;
  for (const RecordMedia& m : r.media) {
    const auto& loaded = impl_->Load(m);
    if (const auto* error = std::get_if<std::string>(&loaded)) {
      out.problems.push_back(m.field + ": " + *error);
      media_ok = false;
    } else {
      frames.push_back(std::get<Frames>(loaded));
    }
  }
  // Lengths: text through the tokenizer, visual tokens as the processor would size the media.
  for (const RecordTurn& t : r.turns) {
    std::string text = t.value;
    for (const char* mark : {"<image>", "<video>"}) {
      for (size_t pos; (pos = text.find(mark)) != std::string::npos;) text.erase(pos, std::string(mark).size());
    }
    out.text_tokens += impl_->TextTokens(text) + kTurnOverhead;
  }
  if (media_ok && !frames.empty()) {
    try {
      const auto sizes = TargetSizes(frames, impl_->preprocessor);
      const int64_t p = impl_->preprocessor.patch_size;
      for (size_t i = 0; i < frames.size(); ++i) {
        const int64_t m = frames[i].merge_size;
        out.visual_tokens += static_cast<int64_t>(frames[i].images.size()) * (sizes[i][0] / p) * (sizes[i][1] / p) / (m * m);
      }
    } catch (const std::exception& e) {
      out.problems.push_back(std::string("media cannot be sized for the vision encoder: ") + e.what());
    }
  }
  if (out.visual_tokens > impl_->options.max_visual_tokens) {
    out.problems.push_back(std::to_string(out.visual_tokens) + " visual tokens exceed the visual budget of " +
                           std::to_string(impl_->options.max_visual_tokens));
  }
  if (out.text_tokens + out.visual_tokens > impl_->options.max_tokens) {
    out.problems.push_back(std::to_string(out.text_tokens + out.visual_tokens) + " tokens (text " +
                           std::to_string(out.text_tokens) + " + visual " + std::to_string(out.visual_tokens) +
                           ") exceed the budget of " + std::to_string(impl_->options.max_tokens));
  }
  return out;
}

}  // namespace hm
