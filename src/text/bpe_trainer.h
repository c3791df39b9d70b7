// Learning a byte-level BPE vocabulary from text, for tokenizers small enough that a demo
// model's embedding stays small. The text is cut exactly as Tokenizer::Encode will cut it
// (added tokens out, NFC, the Qwen split), so what is learned is what encoding meets.
// Training follows HF tokenizers' BpeTrainer: merge the most frequent adjacent pair (ties to
// the smaller pair of ids), counting pairs over distinct pieces weighted by their frequency and
// updating only the pieces a merge touches.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/added_tokens.h"

namespace hm {

// Distinct pre-tokenized pieces of a corpus with how often each occurs.
class BpeCorpus {
 public:
  // `added`: token strings cut out of the text and never learned from (<|im_start|>, <image>).
  explicit BpeCorpus(const std::vector<std::string>& added);

  void Add(std::string_view text);

  // Ordered by bytes so that training does not depend on the order texts came in.
  const std::map<std::string, int64_t>& piece_counts() const { return counts_; }
  int64_t text_bytes() const { return text_bytes_; }

 private:
  AddedTokenMatcher added_;
  std::map<std::string, int64_t> counts_;
  int64_t text_bytes_ = 0;
};

struct BpeVocabulary {
  // id -> raw bytes; ids 0..255 are the single bytes, so any text encodes.
  std::vector<std::string> tokens;
  // Raw-byte pairs in rank order; each concatenation is in `tokens`.
  std::vector<std::pair<std::string, std::string>> merges;
};

struct BpeTrainOptions {
  int32_t vocab_size = 4096;  // byte tokens + learned tokens; at least 256
  int64_t min_pair_count = 2;  // a pair seen less often is not worth a token
  // Called now and then with the number of tokens so far.
  std::function<void(int32_t tokens)> progress;
};

// Deterministic: the same corpus and options give the same vocabulary. Stops early when no
// pair is frequent enough.
BpeVocabulary TrainBpe(const BpeCorpus& corpus, const BpeTrainOptions& options);

}  // namespace hm
