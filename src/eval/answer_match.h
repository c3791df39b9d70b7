// Scoring for the sets made for this engine (phantoms, real scans), whose answers are short
// strings known exactly: a response is right when it says the answer, read by the answer's
// form rather than by MedUniEval's rules (those stay the rules of the published benchmarks).
//   multi_choice  the option letter the response starts with ("B", "B.", "(b)"), else the
//                 option whose text the whole response is
//   judgement     the response's first word is the answer (yes / no)
//   close_ended   a number answer ("2", "slice 12", "frame 3"): the first number in the
//                 response ("12", "two") is the answer's; otherwise normalized exact match
//   report        MedUniEval's report metrics in fixed mode, the response as is against the gold
//                 (both keep their "Findings:"/"Impression:" headings): text scores, no verdict
// Normalized: lowercase, punctuation to spaces (a minus before a digit and a decimal point
// stay), whitespace runs collapsed, one leading article dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "eval/score_fn.h"

namespace hm::eval {

std::string NormalizeAnswer(std::string_view text);

// The first integer the text states, in digits or as a word from "zero"/"no" to "ten".
std::optional<long> FirstNumber(std::string_view text);

Verdict MatchAnswer(const EvalSample& sample, const std::string& response);

ScoreFn AnswerMatchScorer();

}  // namespace hm::eval
