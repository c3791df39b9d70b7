// GPT-2's byte-to-unicode table: byte-level BPE vocabularies spell each byte as one
// printable code point. The engine works on raw bytes and uses this only to read vocab
// and merges from tokenizer.json.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hm {

// The raw bytes a vocabulary string stands for, or nullopt when it contains a code point
// outside the table (HF then keeps such a token's UTF-8 as is).
std::optional<std::string> ByteLevelToBytes(std::string_view token);

// The vocabulary spelling of raw bytes (the inverse of ByteLevelToBytes), for writing
// tokenizer.json files.
std::string BytesToByteLevel(std::string_view bytes);

}  // namespace hm
