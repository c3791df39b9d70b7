// The narrow interface through which the runner asks for a verdict: the model's raw response
// to a sample in, the rule's verdict out (rule_scorer.h gives the one over MedUniEval's rules).
#pragma once

#include <functional>
#include <string>

#include "eval/eval_sample.h"
#include "eval/verdict.h"

namespace hm::eval {

using ScoreFn = std::function<Verdict(const EvalSample& sample, const std::string& response)>;

}  // namespace hm::eval
