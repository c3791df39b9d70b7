// The runner's ScoreFn over the rules of `hulumed eval score`: the sample's kind picks the
// rule family and its prep the benchmark's own cut of the response (ScoreInput::prep), in
// compat or fixed mode.
#pragma once

#include "eval/benchmarks.h"
#include "eval/rules.h"
#include "eval/score_fn.h"

namespace hm::eval {

ScoreFn RuleScorer(Scoring scoring);

// The benchmark's scorer: answer matching for our own sets (MetricsLayout::kByFamily, see
// answer_match.h; `scoring` does not apply), MedUniEval's rules for the published ones.
ScoreFn BenchmarkScorer(const BenchmarkInfo& info, Scoring scoring);

}  // namespace hm::eval
