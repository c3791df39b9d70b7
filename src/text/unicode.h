// The Unicode properties the Qwen pre-tokenizer regex asks about, and NFC, both from ICU
// (libicu-dev): we call ICU at run time rather than generating tables, so the Unicode
// version is ICU's (72 = Unicode 15.0).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hm {

// Bit set of the regex classes used by the split: \p{L}, \p{N}, \s and [\r\n].
enum CharClassBits : uint8_t {
  kClassLetter = 1,
  kClassNumber = 2,
  kClassSpace = 4,    // White_Space, which is what Oniguruma's Unicode \s matches
  kClassNewline = 8,  // '\r' or '\n' (always also kClassSpace)
};

uint8_t CharClassOf(char32_t cp);

// NFC of valid UTF-8; returns the input unchanged (no ICU call) when it is ASCII.
std::string NfcNormalize(std::string_view s);

}  // namespace hm
