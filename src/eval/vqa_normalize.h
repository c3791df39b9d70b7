// The VQA answer normalisation and word-overlap scores of MedUniEval's eval_metrics package
// (glossary.normalize_word, calculate_exactmatch, calculate_f1score), which its 3D
// benchmarks (M3D, 3D-RAD) use for open answers.
#pragma once

#include <string>
#include <string_view>

namespace hm::eval {

// normalize_word: punctuation to space (or removed when it touches a space or the text has
// a digit,digit comma), '.' not followed by a digit removed, number words to digits,
// articles dropped, contractions restored, commas removed. MedUniEval passes re.UNICODE as
// re.sub's count, so only the first 32 periods go; all_periods removes every one.
std::string NormalizeWord(std::string_view token, bool all_periods);

// calculate_exactmatch: distinct reference words found in the candidate / candidate words.
double WordExactMatch(std::string_view candidate, std::string_view reference, bool all_periods);

struct WordF1 {
  double f1 = 0, precision = 0, recall = 0;
};
// calculate_f1score over word counts of the normalised texts; all 0 when either side is
// empty or nothing overlaps.
WordF1 WordF1Score(std::string_view candidate, std::string_view reference, bool all_periods);

}  // namespace hm::eval
