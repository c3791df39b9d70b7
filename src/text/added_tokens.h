// Added tokens (ChatML markers, <image>, <think>, ...) are cut out of the text before the
// pre-tokenizer sees it, leftmost-longest like HF's AddedVocabulary, honouring the
// lstrip / rstrip / single_word flags of tokenizer.json.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hm {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool special = false;
  bool lstrip = false, rstrip = false, single_word = false, normalized = false;
};

class AddedTokenMatcher {
 public:
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  // Walks text in order: text(begin, end) for stretches without an added token and
  // token(id) for each match. Whitespace eaten by lstrip/rstrip belongs to the token.
  void Split(std::string_view text, const std::function<void(size_t, size_t)>& on_text,
             const std::function<void(int32_t)>& on_token) const;

  bool empty() const { return tokens_.empty(); }

 private:
  // Longest token matching at text[i] (index into tokens_), or -1.
  int LongestAt(std::string_view text, size_t i) const;

  struct Node {
    int32_t child_begin = 0, child_end = 0;  // children in nodes_, sorted by byte
    uint8_t byte = 0;
    int32_t token = -1;
  };
  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;  // a trie over the token contents, breadth-first
  bool first_byte_[256] = {};
};

}  // namespace hm
