// WordNet 3.0 read from its dictionary files at run time (Debian's wordnet-base puts them in
// /usr/share/wordnet; HULUMED_WORDNET_DIR overrides), answering the one question METEOR asks:
// the lemma names of every synset of a word, found the way NLTK 3.8's wordnet.synsets(word)
// finds them (morphy over noun, verb, adjective, adverb: exception lists, then detachment
// rules applied until some form is in the index).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace hm::eval {

class WordNet {
 public:
  // Throws hm::Error naming the folder and the package when a file is missing.
  explicit WordNet(const std::string& dir);

  // The process-wide instance, loaded on first use.
  static const WordNet& Default();

  // Lemma names (underscores for spaces, adjective markers removed) of all synsets of word.
  std::unordered_set<std::string> LemmaNames(std::string_view word) const;

 private:
  static constexpr int kPosCount = 4;  // noun, verb, adj, adv: NLTK's POS_LIST order
  using Offsets = std::array<std::vector<uint32_t>, kPosCount>;

  std::vector<std::string> Morphy(const std::string& form, int pos) const;
  bool HasForm(const std::string& form, int pos) const;
  void AddSynsetLemmas(int pos, uint32_t offset, std::unordered_set<std::string>& out) const;

  std::unordered_map<std::string, Offsets> index_;
  std::array<std::unordered_map<std::string, std::vector<std::string>>, kPosCount> exceptions_;
  std::array<std::string, kPosCount> data_;  // data.noun ... whole files, lines found by offset
};

}  // namespace hm::eval
