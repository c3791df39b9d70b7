#include "text/tokenizer.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "text/byte_level.h"
#include "text/pre_tokenizer.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace hm {
namespace {

using nlohmann::json;

json ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    Fail(path, ": invalid JSON: ", e.what());
  }
}

// The pre-tokenizer must be the Qwen split followed by a ByteLevel step that does no
// splitting of its own; anything else would silently give different ids, so refuse it.
void CheckPreTokenizer(const json& pt, const std::string& path) {
  HM_CHECK(pt.is_object(), path, ": pre_tokenizer missing");
  const json* split = nullptr;
  const json* byte_level = nullptr;
  if (pt.value("type", "") == "Sequence") {
    const json& seq = pt.at("pretokenizers");
    HM_CHECK(seq.size() == 2, path, ": pre_tokenizer Sequence must be [Split, ByteLevel]");
    split = &seq[0];
    byte_level = &seq[1];
  }
  HM_CHECK(split && split->value("type", "") == "Split" &&
               byte_level->value("type", "") == "ByteLevel",
           path, ": unsupported pre_tokenizer (expected Sequence[Split, ByteLevel]): ",
           pt.dump().substr(0, 200));
  const std::string pattern = split->at("pattern").value("Regex", "");
  HM_CHECK(pattern == kQwenSplitPattern, path, ": unsupported pre_tokenizer regex: ", pattern);
  HM_CHECK(split->value("behavior", "") == "Isolated" && !split->value("invert", false), path,
           ": pre_tokenizer Split must be Isolated and not inverted");
  HM_CHECK(!byte_level->value("add_prefix_space", false) && !byte_level->value("use_regex", true),
           path, ": ByteLevel pre_tokenizer with add_prefix_space or use_regex is unsupported");
}

bool ParseNormalizer(const json& n, const std::string& path) {
  if (n.is_null()) return false;
  const std::string type = n.value("type", "");
  if (type == "NFC") return true;
  if (type == "Sequence" && n.at("normalizers").empty()) return false;
  Fail(path, ": unsupported normalizer ", n.dump().substr(0, 200));
}

std::pair<std::string, std::string> ParseMerge(const json& m, const std::string& path) {
  std::string a, b;
  if (m.is_array() && m.size() == 2) {
    a = m[0].get<std::string>();
    b = m[1].get<std::string>();
  } else {
    const std::string s = m.get<std::string>();
    const size_t sp = s.find(' ');
    HM_CHECK(sp != std::string::npos, path, ": malformed merge \"", s, "\"");
    a = s.substr(0, sp);
    b = s.substr(sp + 1);
  }
  auto ba = ByteLevelToBytes(a), bb = ByteLevelToBytes(b);
  HM_CHECK(ba && bb, path, ": merge \"", a, " ", b, "\" is not byte-level");
  return {*ba, *bb};
}

}  // namespace

Tokenizer Tokenizer::FromDir(const std::string& dir) { return FromFile(dir + "/tokenizer.json"); }

Tokenizer Tokenizer::FromFile(const std::string& path) {
  const json j = ReadJson(path);
  Tokenizer t;
  try {
    const json& model = j.at("model");
    HM_CHECK(model.value("type", "BPE") == "BPE", path, ": model.type must be BPE");
    HM_CHECK(!model.value("byte_fallback", false), path, ": byte_fallback BPE is unsupported");
    HM_CHECK(model.value("continuing_subword_prefix", json()).is_null() ||
                 model["continuing_subword_prefix"] == "",
             path, ": continuing_subword_prefix is unsupported");
    HM_CHECK(model.value("end_of_word_suffix", json()).is_null() ||
                 model["end_of_word_suffix"] == "",
             path, ": end_of_word_suffix is unsupported");
    HM_CHECK(model.value("dropout", json()).is_null(), path, ": BPE dropout is unsupported");
    CheckPreTokenizer(j.value("pre_tokenizer", json()), path);
    const json& dec = j.value("decoder", json());
    HM_CHECK(dec.is_object() && dec.value("type", "") == "ByteLevel", path,
             ": decoder must be ByteLevel");
    t.nfc_ = ParseNormalizer(j.value("normalizer", json()), path);

    auto remember = [&](int32_t id, std::string bytes, bool special) {
      HM_CHECK(id >= 0 && id < (1 << 24), path, ": token id ", id, " out of range");
      if (static_cast<size_t>(id) >= t.id_bytes_.size()) {
        t.id_bytes_.resize(id + 1);
        t.id_special_.resize(id + 1);
      }
      t.id_bytes_[id] = std::move(bytes);
      t.id_special_[id] = special;
    };

    std::unordered_map<std::string, int32_t> vocab;
    for (const auto& [token, id] : model.at("vocab").items()) {
      // A vocab entry outside the byte table cannot come out of BPE; HF decodes it as its
      // own UTF-8, so keep it for decoding only.
      auto bytes = ByteLevelToBytes(token);
      remember(id.get<int32_t>(), bytes ? *bytes : token, false);
      if (bytes) vocab.emplace(std::move(*bytes), id.get<int32_t>());
    }
    std::vector<std::pair<std::string, std::string>> merges;
    for (const json& m : model.at("merges")) merges.push_back(ParseMerge(m, path));
    t.bpe_ = std::make_unique<BpeModel>(std::move(vocab), merges, path);

    std::vector<AddedToken> raw, normalized;
    for (const json& a : j.value("added_tokens", json::array())) {
      AddedToken tok{a.at("content").get<std::string>(), a.at("id").get<int32_t>(),
                     a.value("special", false),  a.value("lstrip", false),
                     a.value("rstrip", false),   a.value("single_word", false),
                     a.value("normalized", false)};
      HM_CHECK(IsValidUtf8(tok.content) && !tok.content.empty(), path, ": added token ", tok.id,
               " has empty or invalid content");
      // HF decodes an added token through the ByteLevel decoder too.
      auto bytes = ByteLevelToBytes(tok.content);
      remember(tok.id, bytes ? *bytes : tok.content, tok.special);
      t.added_by_content_[tok.content] = tok.id;
      (tok.normalized ? normalized : raw).push_back(std::move(tok));
    }
    t.raw_added_ = std::make_unique<AddedTokenMatcher>(std::move(raw));
    t.normalized_added_ = std::make_unique<AddedTokenMatcher>(std::move(normalized));
  } catch (const json::exception& e) {
    Fail(path, ": unexpected structure: ", e.what());
  }
  return t;
}

std::vector<int32_t> Tokenizer::Encode(std::string_view text) const {
  std::string repaired;
  if (!IsValidUtf8(text)) {
    repaired = RepairUtf8(text);
    text = repaired;
  }
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 1);
  raw_added_->Split(
      text, [&](size_t b, size_t e) { EncodeNormalized(text.substr(b, e - b), out); },
      [&](int32_t id) { out.push_back(id); });
  return out;
}

void Tokenizer::EncodeNormalized(std::string_view text, std::vector<int32_t>& out) const {
  std::string normalized;
  if (nfc_) {
    normalized = NfcNormalize(text);
    text = normalized;
  }
  if (normalized_added_->empty()) {
    EncodePlain(text, out);
    return;
  }
  normalized_added_->Split(
      text, [&](size_t b, size_t e) { EncodePlain(text.substr(b, e - b), out); },
      [&](int32_t id) { out.push_back(id); });
}

void Tokenizer::EncodePlain(std::string_view text, std::vector<int32_t>& out) const {
  SplitQwen(text, [&](size_t b, size_t e) { bpe_->Encode(text.substr(b, e - b), out); });
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (id < 0 || id >= VocabSize()) continue;
    if (skip_special && id_special_[id]) continue;
    bytes += id_bytes_[id];
  }
  return IsValidUtf8(bytes) ? bytes : RepairUtf8(bytes);
}

std::optional<int32_t> Tokenizer::TokenId(std::string_view token) const {
  auto it = added_by_content_.find(std::string(token));
  if (it != added_by_content_.end()) return it->second;
  // Vocab tokens are spelled in tokenizer.json's byte-level alphabet.
  auto bytes = ByteLevelToBytes(token);
  if (!bytes) return std::nullopt;
  auto v = bpe_->vocab().find(*bytes);
  if (v == bpe_->vocab().end()) return std::nullopt;
  return v->second;
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && id < VocabSize() && id_special_[id];
}

const std::string& Tokenizer::TokenBytes(int32_t id) const {
  static const std::string kEmpty;
  return id >= 0 && id < VocabSize() ? id_bytes_[id] : kEmpty;
}

}  // namespace hm
