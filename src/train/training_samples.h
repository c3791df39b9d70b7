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

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/chat_template.h"
#include "media/preprocess.h"
#include "media/preprocessor_config.h"
#include "model/config.h"
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

// `conversations` as chat messages; each `placeholder` in human text becomes the next of
// `media_parts`. `where` names the record in errors (unknown `from`, placeholders not
// matching the media).
nlohmann::ordered_json MessagesFromConversations(const nlohmann::json& conversations, const std::string& placeholder,
                                                 const std::vector<nlohmann::ordered_json>& media_parts,
                                                 const std::string& where);

// One record (see below); media paths are relative to `folder`, `where` ("file:line") starts
// every error.
TrainingSample ReadTrainingSample(const nlohmann::json& record, const std::filesystem::path& folder,
                                  const std::string& where, const Tokenizer& tokenizer, const ChatTemplate& chat_template,
                                  const ModelConfig& config, const PreprocessorConfig& preprocessor);

// Every record of a JSONL file: {"conversations": [...]} with at most one of "image" (a path
// or a list), "video" (a list with one file or frame folder: 1 fps, at most 180 frames) and
// "volume" ({"path": NIfTI or DICOM, "slices": 180}); paths are relative to the file's folder.
// Loaded and preprocessed as `run` does; video and volume tokens go through token reduction
// (the reference rule) when the checkpoint enables it. Errors name the file and line.
std::vector<TrainingSample> ReadTrainingSamples(const std::string& jsonl_path, const Tokenizer& tokenizer,
                                                const ChatTemplate& chat_template, const ModelConfig& config,
                                                const PreprocessorConfig& preprocessor);

}  // namespace hm
