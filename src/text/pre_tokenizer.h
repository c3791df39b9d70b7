// The split that Qwen2/Qwen2.5/Qwen3 tokenizers apply before BPE, hand-written to match
// the Oniguruma semantics (leftmost-first alternation, greedy with backtracking) of
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*
//   |\s*[\r\n]+|\s+(?!\S)|\s+
// with "Isolated" behaviour: every match is its own piece.
#pragma once

#include <functional>
#include <string_view>

namespace hm {

// The regex string that tokenizer.json must carry for SplitQwen to apply.
extern const std::string_view kQwenSplitPattern;

// Calls piece(begin, end) with byte offsets for each consecutive piece of valid UTF-8 text.
void SplitQwen(std::string_view text, const std::function<void(size_t, size_t)>& piece);

}  // namespace hm
