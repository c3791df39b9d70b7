// The seven answer-rule families of MedUniEval, each in two modes: `compat` gives the
// verdict MedUniEval gives (quirks included, and an error where it raises) and `fixed`
// corrects each quirk listed in docs/eval.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/verdict.h"

namespace hm::eval {

enum class Scoring { kCompat, kFixed };

// "compat" or "fixed"; throws hm::Error naming the choices otherwise.
Scoring ParseScoring(std::string_view name);

enum class RuleKind { kMultiChoice, kCloseEnded, kJudgement, kOpenEnded, kOpen3d, kClosed3d, kReport };

// "multi_choice", "close_ended", ... ; nullopt for an unknown name.
std::optional<RuleKind> RuleKindFromName(std::string_view name);
const char* RuleKindName(RuleKind kind);

struct ScoreInput {
  RuleKind kind = RuleKind::kMultiChoice;
  std::vector<std::string> choices;  // multi_choice: as the benchmark builds them ("A. text")
  std::string answer;
  std::string response;
};

Verdict ScoreResponse(const ScoreInput& input, Scoring scoring);

}  // namespace hm::eval
