#include "text/added_tokens.h"

#include <algorithm>
#include <map>

#include "text/unicode.h"
#include "text/utf8.h"

namespace hm {
namespace {

bool IsWordChar(char32_t cp) { return cp == '_' || (CharClassOf(cp) & (kClassLetter | kClassNumber)); }

// The code point that ends just before byte i (i > 0) of valid UTF-8.
char32_t CodePointBefore(std::string_view s, size_t i, int* len) {
  size_t k = i - 1;
  while (k > 0 && (static_cast<uint8_t>(s[k]) & 0xC0) == 0x80) --k;
  return DecodeUtf8(s, k, len);
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  // Build a pointer trie, then flatten it breadth-first so children are contiguous.
  struct Tmp {
    std::map<uint8_t, int> kids;
    int token = -1;
  };
  std::vector<Tmp> tmp(1);
  for (size_t t = 0; t < tokens_.size(); ++t) {
    const std::string& c = tokens_[t].content;
    if (c.empty()) continue;
    int node = 0;
    for (char ch : c) {
      const uint8_t b = static_cast<uint8_t>(ch);
      auto it = tmp[node].kids.find(b);
      if (it == tmp[node].kids.end()) {
        tmp.push_back({});
        it = tmp[node].kids.emplace(b, static_cast<int>(tmp.size()) - 1).first;
      }
      node = it->second;
    }
    if (tmp[node].token < 0) tmp[node].token = static_cast<int>(t);
    first_byte_[static_cast<uint8_t>(c[0])] = true;
  }
  std::vector<int> order{0}, index(tmp.size());
  nodes_.resize(tmp.size());
  for (size_t q = 0; q < order.size(); ++q) {
    const int old = order[q];
    Node& n = nodes_[q];
    n.token = tmp[old].token;
    n.child_begin = static_cast<int32_t>(order.size());
    for (const auto& [b, kid] : tmp[old].kids) {
      nodes_[order.size()].byte = b;
      order.push_back(kid);
    }
    n.child_end = static_cast<int32_t>(order.size());
  }
}

int AddedTokenMatcher::LongestAt(std::string_view text, size_t i) const {
  int best = -1;
  int32_t node = 0;
  for (size_t k = i; k < text.size(); ++k) {
    const uint8_t b = static_cast<uint8_t>(text[k]);
    const Node& n = nodes_[node];
    auto first = nodes_.begin() + n.child_begin, last = nodes_.begin() + n.child_end;
    auto it = std::lower_bound(first, last, b, [](const Node& x, uint8_t v) { return x.byte < v; });
    if (it == last || it->byte != b) break;
    node = static_cast<int32_t>(it - nodes_.begin());
    if (nodes_[node].token >= 0) best = nodes_[node].token;
  }
  return best;
}

void AddedTokenMatcher::Split(std::string_view text,
                              const std::function<void(size_t, size_t)>& on_text,
                              const std::function<void(int32_t)>& on_token) const {
  size_t emitted = 0;  // end of what has been handed out so far
  for (size_t i = 0; i < text.size();) {
    if (!first_byte_[static_cast<uint8_t>(text[i])]) {
      ++i;
      continue;
    }
    const int t = LongestAt(text, i);
    if (t < 0) {
      ++i;
      continue;
    }
    const AddedToken& tok = tokens_[t];
    size_t begin = i, end = i + tok.content.size();
    int len;
    if (tok.single_word) {
      const bool word_before = begin > 0 && IsWordChar(CodePointBefore(text, begin, &len));
      const bool word_after = end < text.size() && IsWordChar(DecodeUtf8(text, end, &len));
      if (word_before || word_after) {
        ++i;
        continue;
      }
    }
    if (tok.lstrip) {
      while (begin > emitted && (CharClassOf(CodePointBefore(text, begin, &len)) & kClassSpace))
        begin -= len;
    }
    if (tok.rstrip) {
      while (end < text.size() && (CharClassOf(DecodeUtf8(text, end, &len)) & kClassSpace))
        end += len;
    }
    if (begin > emitted) on_text(emitted, begin);
    on_token(tok.id);
    emitted = i = end;
  }
  if (emitted < text.size()) on_text(emitted, text.size());
}

}  // namespace hm
