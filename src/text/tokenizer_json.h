// Writing a tokenizer in the format of Qwen2's, which Tokenizer::FromFile and HF both read:
// tokenizer.json (NFC, the Qwen split then ByteLevel, a byte-level BPE with its merges, a
// ByteLevel decoder, added tokens) and the tokenizer_config.json beside it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/added_tokens.h"

namespace hm {

// Qwen2.5's 22 added tokens (<|endoftext|>, <|im_start|>, <|im_end|>, ... <|file_sep|>) then
// the <image> Hulu-Med adds, with ids from first_id on. HF gives added tokens the ids that
// follow the BPE vocabulary whatever the file says, so first_id should be its size.
std::vector<AddedToken> HulumedAddedTokens(int32_t first_id);

// tokens: id -> raw bytes (every single byte among them); merges: raw-byte pairs in rank order.
nlohmann::ordered_json TokenizerJson(const std::vector<std::string>& tokens,
                                     const std::vector<std::pair<std::string, std::string>>& merges,
                                     const std::vector<AddedToken>& added);

// ChatML's <|im_end|> ends a turn, <|endoftext|> pads; the other special added tokens are
// listed as additional special tokens.
nlohmann::ordered_json TokenizerConfigJson(const std::vector<AddedToken>& added, int64_t model_max_length);

}  // namespace hm
