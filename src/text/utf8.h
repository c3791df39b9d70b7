// UTF-8 decoding and repair shared by the tokenizer and the streaming decoder.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hm {

// Decodes the code point starting at s[i] of a string known to be valid UTF-8 and stores
// its byte length in *len.
char32_t DecodeUtf8(std::string_view s, size_t i, int* len);

void AppendUtf8(std::string& out, char32_t cp);

// Replaces every ill-formed sequence by U+FFFD, one per maximal subpart (the rule of
// Python's errors="replace" and Rust's from_utf8_lossy, so decode output matches HF).
// With held_tail set, a well-formed but truncated sequence at the very end is left out
// of the result instead and its byte count stored there: the streaming decoder keeps it
// for the next token.
std::string RepairUtf8(std::string_view s, size_t* held_tail = nullptr);

// True when s is well-formed UTF-8 (the common case, which then needs no copy).
bool IsValidUtf8(std::string_view s);

}  // namespace hm
