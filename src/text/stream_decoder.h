// Turns generated ids into text as they arrive without ever emitting part of a UTF-8
// character: bytes of an unfinished character wait for the next token.
#pragma once

#include <cstdint>
#include <string>

#include "text/tokenizer.h"

namespace hm {

class StreamDecoder {
 public:
  // The tokenizer must outlive the decoder.
  StreamDecoder(const Tokenizer& tokenizer, bool skip_special)
      : tokenizer_(tokenizer), skip_special_(skip_special) {}

  // Text completed by this token (possibly empty). The concatenation of all Push results
  // and Flush equals Tokenizer::Decode of the whole sequence.
  std::string Push(int32_t id);
  // Whatever is still held (an incomplete character becomes U+FFFD), then resets.
  std::string Flush();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::string pending_;
};

}  // namespace hm
