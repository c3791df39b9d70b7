// The runner's ScoreFn over the rules of `hulumed eval score`: first the benchmark's own cut
// of the response (EvalSample::prep, what each MedUniEval cal_metrics does before its rule),
// then the rule family of the sample's kind, in compat or fixed mode.
#pragma once

#include <string>

#include "eval/rules.h"
#include "eval/score_fn.h"

namespace hm::eval {

// "" as is; "answer_tag" extract(<answer>); "boxed_or_answer_tag" \boxed{} content, else
// <answer> content when the response has the tag; "boxed_or_answer_tag_lower" the same,
// lowercased and stripped; "report_headings" without "Findings:" and "Impression:".
std::string PrepareResponse(const std::string& prep, const std::string& response);

ScoreFn RuleScorer(Scoring scoring);

}  // namespace hm::eval
