#include "eval/meteor.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "eval/porter_stemmer.h"
#include "eval/py_str.h"

namespace hm::eval {
namespace {

using Enumerated = std::vector<std::pair<size_t, std::string>>;  // (position, word)
using Matches = std::vector<std::pair<size_t, size_t>>;           // (hypothesis, reference)

// _match_enums and _enum_wordnetsyn_match: hypothesis words from the last, each paired with
// the last still-unpaired reference word it matches; paired words leave both lists.
template <typename Same>
void MatchStage(Enumerated& hyp, Enumerated& ref, Matches& matches, Same same) {
  for (size_t i = hyp.size(); i-- > 0;) {
    for (size_t j = ref.size(); j-- > 0;) {
      if (same(hyp[i].second, ref[j].second)) {
        matches.emplace_back(hyp[i].first, ref[j].first);
        hyp.erase(hyp.begin() + static_cast<long>(i));
        ref.erase(ref.begin() + static_cast<long>(j));
        break;
      }
    }
  }
}

}  // namespace

double SingleMeteor(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis,
                    const WordNet& wordnet) {
  Enumerated hyp, ref;
  for (size_t i = 0; i < hypothesis.size(); ++i) hyp.emplace_back(i, PyLower(hypothesis[i]));
  for (size_t i = 0; i < reference.size(); ++i) ref.emplace_back(i, PyLower(reference[i]));
  Matches matches;
  auto equal = [](const std::string& a, const std::string& b) { return a == b; };
  MatchStage(hyp, ref, matches, equal);
  // The stem stage leaves the unpaired words stemmed: the synonym stage looks up stems.
  for (auto& [i, w] : hyp) w = PorterStem(w);
  for (auto& [i, w] : ref) w = PorterStem(w);
  MatchStage(hyp, ref, matches, equal);
  // The reference loop asks about one hypothesis word many times: look it up once.
  std::optional<std::string> cached_word;
  std::unordered_set<std::string> synonyms;
  MatchStage(hyp, ref, matches, [&](const std::string& h, const std::string& r) {
    if (cached_word != h) {
      synonyms = wordnet.LemmaNames(h);
      std::erase_if(synonyms, [](const std::string& s) { return s.find('_') != std::string::npos; });
      synonyms.insert(h);
      cached_word = h;
    }
    return synonyms.count(r) > 0;
  });
  std::sort(matches.begin(), matches.end());
  if (hypothesis.empty() || reference.empty() || matches.empty()) return 0.0;
  double count = static_cast<double>(matches.size());
  double precision = count / static_cast<double>(hypothesis.size());
  double recall = count / static_cast<double>(reference.size());
  double fmean = (precision * recall) / (0.9 * precision + (1 - 0.9) * recall);
  size_t chunks = 1;
  for (size_t i = 0; i + 1 < matches.size(); ++i)
    if (!(matches[i + 1].first == matches[i].first + 1 && matches[i + 1].second == matches[i].second + 1)) ++chunks;
  double frag = static_cast<double>(chunks) / count;
  double penalty = 0.5 * std::pow(frag, 3.0);
  return (1 - penalty) * fmean;
}

}  // namespace hm::eval
