// The seven answer-rule families of MedUniEval, each in two modes: `compat` gives the
// verdict MedUniEval gives (quirks included, and an error where it raises) and `fixed`
// corrects each quirk listed in docs/eval.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hm::eval {

enum class Scoring { kCompat, kFixed };

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

struct Verdict {
  std::optional<bool> correct;  // none for open 3D answers and reports
  std::vector<std::pair<std::string, double>> scores;
  std::string error;  // compat only: what MedUniEval raises on this input ("ValueError: ...")
};

Verdict ScoreResponse(const ScoreInput& input, Scoring scoring);

}  // namespace hm::eval
