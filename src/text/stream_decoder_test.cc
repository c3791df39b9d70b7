#include "text/stream_decoder.h"

#include <gtest/gtest.h>

#include "text/test_paths.h"
#include "text/utf8.h"

namespace hm {
namespace {

TEST(StreamDecoder, NeverSplitsCharactersAndMatchesDecode) {
  const Tokenizer tok = Tokenizer::FromDir(testing::QwenTokenizerDir());
  const std::string text =
      "<|im_start|>assistant\n诊断：右肺癌 👨‍👩‍👧‍👦 é\u0301 😀😀 done<|im_end|>";
  const auto ids = tok.Encode(text);
  for (bool skip : {false, true}) {
    StreamDecoder dec(tok, skip);
    std::string streamed;
    for (int32_t id : ids) {
      const std::string piece = dec.Push(id);
      EXPECT_EQ(RepairUtf8(piece), piece) << "partial character emitted";
      streamed += piece;
    }
    streamed += dec.Flush();
    EXPECT_EQ(streamed, tok.Decode(ids, skip));
  }
}

TEST(StreamDecoder, FlushReplacesDanglingBytes) {
  const Tokenizer tok = Tokenizer::FromDir(testing::QwenTokenizerDir());
  // The first byte of "中" on its own is a byte-level token.
  const int32_t lead = *tok.TokenId("ä");
  StreamDecoder dec(tok, true);
  EXPECT_EQ(dec.Push(lead), "");
  EXPECT_EQ(dec.Flush(), "\xEF\xBF\xBD");
  EXPECT_EQ(dec.Flush(), "");
}

}  // namespace
}  // namespace hm
