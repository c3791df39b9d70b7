// MMMU's own answer rules (MMMU/eval_utils.py), which MedUniEval's MMMU evaluation calls
// instead of its shared ones: parse_multi_choice_response for multiple choice, eval_open for
// open questions, each after run_model's cut (<answer> content, then \boxed{} content).
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace hm::eval {

// parse_multi_choice_response: the letter a response picks among `choices` ("A. text" as the
// loader builds them). When nothing parses MMMU draws a letter with an unseeded random.choice;
// compat draws it from the response's FNV-1a hash instead (reproducible, still a guess), fixed
// returns "" (no answer, so wrong).
std::string MmmuChoiceLetter(const std::vector<std::string>& choices, const std::string& response, bool fixed);

// normalize_str / parse_open_response's items: a number rounded to 2 places, or lowercase text.
using MmmuOpenItem = std::variant<double, std::string>;

// parse_open_response: the key phrases of a response (text after "is ", "so ", "answer ", ...)
// and every number in them, normalized.
std::vector<MmmuOpenItem> MmmuParseOpen(const std::string& response);

// eval_open against a gold answer. MedUniEval passes the raw response string as the parsed
// prediction, so compat iterates its characters: only an empty gold answer can match. Fixed
// parses the response first, as MMMU intends.
bool MmmuJudgeOpen(const std::string& gold, const std::string& response, bool fixed);

// run_model's cut: <answer> content when the tag occurs, then \boxed{} content when any.
std::string MmmuCut(const std::string& response);

}  // namespace hm::eval
