// Training records (the reference's format, JSON lines) to labelled token sequences with their
// preprocessed media. The conversation becomes chat messages as VideoLLaMA3's data loader
// (_convert_normal, the code Hulu-Med's training derives from) makes them: leading turns before
// the first human/system turn are dropped; a human turn becomes content parts, its text split
// at `<image>` into stripped, non-empty text parts with an image part per placeholder; an image
// record without a placeholder gets one at the start of its first turn; gpt turns become
// assistant text. A `system` turn stays a system message (VideoLLaMA3 turns it into an
// assistant turn, which would train on it).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "media/preprocess.h"
#include "media/preprocessor_config.h"
#include "text/tokenizer.h"
#include "train/chat_labels.h"

namespace hm {

struct TrainingSample {
  LabelledTokens tokens;                 // each visual token has its own image-token slot
  std::vector<PreprocessedMedia> media;  // their projected tokens fill those slots, in order
  // Per media item, 1 per visual token that token reduction kept (empty: all kept). Dropped
  // tokens have no slot and get no gradient: the selection itself is not differentiable.
  std::vector<std::vector<uint8_t>> kept;
};

// `conversations` as chat messages; `images` is how many images the record has. `where` names
// the record in errors (unknown `from`, placeholders not matching the images).
nlohmann::ordered_json MessagesFromConversations(const nlohmann::json& conversations, size_t images,
                                                 const std::string& where);

// Every record of a JSONL file: {"conversations": [...]} and optionally "image" (a path or a
// list, relative to the file's folder). Still images only for now (merge size 1); "video" and
// "volume" records are an hm::Error naming the file and line.
std::vector<TrainingSample> ReadTrainingSamples(const std::string& jsonl_path, const Tokenizer& tokenizer,
                                                const std::string& chat_template,
                                                const PreprocessorConfig& preprocessor);

}  // namespace hm
