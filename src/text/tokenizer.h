// The checkpoint's tokenizer: HF tokenizer.json with a byte-level BPE model, the Qwen
// pre-tokenizer split, optional NFC normalizer and added tokens. Encode/Decode give the
// same ids and strings as Hugging Face `tokenizers`.
//
// Invalid UTF-8 given to Encode is first repaired (each maximal ill-formed subpart becomes
// U+FFFD, as Python's errors="replace" would do before HF ever sees the text).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/added_tokens.h"
#include "text/bpe.h"

namespace hm {

class Tokenizer {
 public:
  // Reads dir/tokenizer.json.
  static Tokenizer FromDir(const std::string& dir);
  static Tokenizer FromFile(const std::string& path);

  // Ids for text; added tokens are matched, nothing (no BOS) is prepended.
  std::vector<int32_t> Encode(std::string_view text) const;

  // Text for ids; with skip_special, tokens flagged special are left out. Unknown ids are
  // skipped, as HF does.
  std::string Decode(std::span<const int32_t> ids, bool skip_special) const;

  std::optional<int32_t> TokenId(std::string_view token) const;
  bool IsSpecial(int32_t id) const;
  // The raw bytes a token decodes to ("" for an unknown id).
  const std::string& TokenBytes(int32_t id) const;
  // One past the largest id.
  int32_t VocabSize() const { return static_cast<int32_t>(id_bytes_.size()); }

 private:
  Tokenizer() = default;
  void EncodeNormalized(std::string_view text, std::vector<int32_t>& out) const;
  void EncodePlain(std::string_view text, std::vector<int32_t>& out) const;

  std::unique_ptr<BpeModel> bpe_;
  std::unique_ptr<AddedTokenMatcher> raw_added_;         // normalized=false: match raw text
  std::unique_ptr<AddedTokenMatcher> normalized_added_;  // normalized=true: match after NFC
  bool nfc_ = false;
  std::vector<std::string> id_bytes_;
  std::vector<uint8_t> id_special_;
  std::unordered_map<std::string, int32_t> added_by_content_;
};

}  // namespace hm
