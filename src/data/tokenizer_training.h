// `hulumed data tokenizer`: a small byte-level BPE learned from the text of training records,
// written as a checkpoint's tokenizer files (the format of Qwen2's, with Qwen2.5's added tokens
// and Hulu-Med's <image>), so a demo model's embedding stays small.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hm {

struct TokenizerTrainingOptions {
  std::vector<std::string> files;  // training records (.jsonl, or .json holding an array)
  int32_t vocab_size = 4096;       // every id, added tokens included
  std::string out_dir;
  std::function<void(int32_t tokens)> progress;  // now and then while learning
};

struct TokenizerTrainingSummary {
  int64_t records = 0;
  int64_t text_bytes = 0;
  int64_t distinct_pieces = 0;
  int32_t merges = 0;
  int32_t vocab_size = 0;  // may fall short of the request when the text has too few repeated pairs
};

// Learns from each turn as the chat template renders it (role line, text; the ChatML markers
// and <image> are added tokens, and they and the <video> placeholder are never learned). Writes out_dir/tokenizer.json and
// tokenizer_config.json; the same inputs give the same bytes. Throws hm::Error naming the
// file and line of a record that does not parse.
TokenizerTrainingSummary TrainTokenizer(const TokenizerTrainingOptions& options);

}  // namespace hm
