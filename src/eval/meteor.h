// METEOR for one hypothesis and one reference as NLTK 3.8's single_meteor_score computes it:
// words lowercased, aligned in three stages (exact, Porter stems, WordNet synonyms of the
// stemmed hypothesis word), each stage pairing from the last word backwards; then
// Fmean = PR / (0.9 P + 0.1 R) times (1 - 0.5 (chunks / matches)^3), and 0 without matches.
#pragma once

#include <string>
#include <vector>

#include "eval/wordnet.h"

namespace hm::eval {

double SingleMeteor(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis,
                    const WordNet& wordnet = WordNet::Default());

}  // namespace hm::eval
