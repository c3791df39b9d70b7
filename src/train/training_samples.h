// Training records (the reference's format, JSON lines) to labelled token sequences with their
// preprocessed media. The conversation becomes chat messages as VideoLLaMA3's data loader
// (_convert_normal, the code Hulu-Med's training derives from) makes them: leading turns before
// the first human/system turn are dropped; a human turn becomes content parts, its text split
// at the placeholder (`<image>`, or `<video>` for video and volume records) into stripped,
// non-empty text parts with a media part per placeholder; a media record without a
// placeholder gets one at the start of its first turn; gpt turns become assistant text. A
// `system` turn stays a system message (VideoLLaMA3 turns it into an assistant turn, which
// would train on it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/chat_template.h"
#include "media/preprocess.h"
#include "media/preprocessor_config.h"
#include "model/config.h"
#include "model/token_reduction.h"
#include "text/tokenizer.h"
#include "train/chat_labels.h"
#include "train/train_record.h"

namespace hm {

struct TrainingSample {
  LabelledTokens tokens;                 // each visual token has its own image-token slot
  std::vector<PreprocessedMedia> media;  // their projected tokens fill those slots, in order
  // Per media item, 1 per visual token that token reduction kept (empty: all kept). Dropped
  // tokens have no slot and get no gradient: the selection itself is not differentiable.
  std::vector<std::vector<uint8_t>> kept;
};

// `conversations` as chat messages; each `placeholder` in human text becomes the next of
// `media_parts`. `where` names the record in errors (unknown `from`, placeholders not
// matching the media).
nlohmann::ordered_json MessagesFromConversations(const nlohmann::json& conversations, const std::string& placeholder,
                                                 const std::vector<nlohmann::ordered_json>& media_parts,
                                                 const std::string& where);

// How a record's media become visual tokens: the recipe stage's settings (`train`) or the
// checkpoint's (`train grad`). Unset merge sizes keep the loader's (1 for still images, 2 for
// videos and volumes).
struct SampleMediaOptions {
  std::optional<int> image_merge_size, video_merge_size;
  bool token_reduction = false;  // video and volume tokens, by the reference rule
  double fps = 1.0;              // video frames sampled per second
  int max_frames = 180;          // per video
  std::optional<int64_t> max_visual_tokens;  // caps the preprocessor's max_tokens per record
};

// A parsed record (train/train_record.h) -> its labelled tokens and preprocessed media: the
// media are loaded by the runtime's one media policy (as `run` loads them), all items of the
// record preprocessed together (they share one pixel budget). A record holds images or
// videos/volumes, not both. Errors start with the record's file:line.
class TrainingSampleBuilder {
 public:
  // The references must outlive the builder.
  TrainingSampleBuilder(const Tokenizer& tokenizer, const ChatTemplate& chat_template, const ModelConfig& config,
                        PreprocessorConfig preprocessor, SampleMediaOptions options);

  // A packed record (record.packed) keeps its tokens; its media are loaded and preprocessed
  // as any record's, and must give the visual tokens it was packed with (hm::Error naming the
  // record when the stage's visual settings differ from the pack's).
  TrainingSample Build(const TrainRecord& record) const;

 private:
  // The record's media preprocessed, as chat content parts with the visual tokens of each
  // frame and, per item, the tokens token reduction keeps.
  struct VisualInput {
    std::string placeholder;  // "<image>", or "<video>" for videos and volumes
    std::vector<PreprocessedMedia> media;
    std::vector<nlohmann::ordered_json> parts;
    std::vector<int64_t> frame_tokens;
    std::vector<std::vector<uint8_t>> kept;
  };
  VisualInput LoadVisualInput(const TrainRecord& record) const;

  const Tokenizer& tokenizer_;
  const ChatTemplate& chat_template_;
  const ModelConfig& config_;
  PreprocessorConfig preprocessor_;
  SampleMediaOptions options_;
  TokenReductionOptions reduction_;
};

// Every record of a JSONL file (or .json array), parsed by ParseTrainRecord (paths relative to the file's
// folder) and built with the checkpoint's settings: merge sizes of the loader, token reduction
// when config.json enables it. The first bad record throws, naming its file and line.
std::vector<TrainingSample> ReadTrainingSamples(const std::string& jsonl_path, const Tokenizer& tokenizer,
                                                const ChatTemplate& chat_template, const ModelConfig& config,
                                                const PreprocessorConfig& preprocessor);

}  // namespace hm
