#include "eval/rule_scorer.h"

#include "core/error.h"
#include "eval/answer_match.h"

namespace hm::eval {

ScoreFn RuleScorer(Scoring scoring) {
  return [scoring](const EvalSample& s, const std::string& response) {
    HM_CHECK(s.kind != "rubric", "sample ", s.id, ": HealthBench is graded rubric by rubric by an LLM grader, not by ",
             "a rule: run `hulumed eval run -b HealthBench` again with the same --out plus --judge-url URL ",
             "--judge-model NAME (the responses already kept are not asked for again)");
    const auto kind = RuleKindFromName(s.kind);
    HM_CHECK(kind, "sample ", s.id, ": unknown kind '", s.kind, "'");
    ScoreInput input;
    input.kind = *kind;
    input.choices = s.choices;
    input.answer = s.answer;
    input.response = response;
    input.prep = s.prep;  // every loader states its benchmark's cut ("" = as is)
    return ScoreResponse(input, scoring);
  };
}

ScoreFn BenchmarkScorer(const BenchmarkInfo& info, Scoring scoring) {
  return info.layout == MetricsLayout::kByFamily ? AnswerMatchScorer() : RuleScorer(scoring);
}

}  // namespace hm::eval
