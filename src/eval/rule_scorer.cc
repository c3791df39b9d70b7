#include "eval/rule_scorer.h"

#include "core/error.h"
#include "eval/answer_text.h"
#include "eval/py_str.h"

namespace hm::eval {

std::string PrepareResponse(const std::string& prep, const std::string& response) {
  if (prep.empty()) return response;
  if (prep == "answer_tag") return ExtractTag(response, "answer");
  if (prep == "report_headings") return PyReplace(PyReplace(response, "Findings:", ""), "Impression:", "");
  HM_CHECK(prep == "boxed_or_answer_tag" || prep == "boxed_or_answer_tag_lower", "unknown response prep '", prep, "'");
  std::string cut = response;
  if (const std::string boxed = ExtractBoxed(response); boxed != "None") cut = boxed;
  else if (Contains(response, "<answer>")) cut = ExtractTag(response, "answer");
  return prep == "boxed_or_answer_tag_lower" ? PyStrip(PyLower(cut)) : cut;
}

ScoreFn RuleScorer(Scoring scoring) {
  return [scoring](const EvalSample& s, const std::string& response) {
    const auto kind = RuleKindFromName(s.kind);
    HM_CHECK(kind, "sample ", s.id, ": unknown kind '", s.kind, "'");
    ScoreInput input;
    input.kind = *kind;
    input.choices = s.choices;
    input.answer = s.answer;
    input.response = PrepareResponse(s.prep, response);
    return ScoreResponse(input, scoring);
  };
}

}  // namespace hm::eval
