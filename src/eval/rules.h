// The answer-rule families of MedUniEval (its seven shared ones and MMMU's own two), each in two modes: `compat` gives the
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

enum class RuleKind {
  kMultiChoice, kCloseEnded, kJudgement, kOpenEnded, kOpen3d, kClosed3d, kReport,
  kMmmuChoice, kMmmuOpen  // MMMU's eval_utils (mmmu_rules.h), with run_model's own cut
};

// "multi_choice", "close_ended", ... ; nullopt for an unknown name.
std::optional<RuleKind> RuleKindFromName(std::string_view name);
const char* RuleKindName(RuleKind kind);

struct ScoreInput {
  RuleKind kind = RuleKind::kMultiChoice;
  std::vector<std::string> choices;  // multi_choice: as the benchmark builds them ("A. text")
  std::string answer;
  std::string response;  // the model's raw response
  // How the benchmark cuts the response before its rule (each MedUniEval cal_metrics does its
  // own). nullopt: the kind's usual path (multi_choice "answer_tag", VQA kinds
  // "boxed_or_answer_tag_lower", 3D and MMMU "", report "report_headings"). "" as is (PMC-VQA,
  // MedFrameQA, MedMNIST); "answer_tag" extract(<answer>); "boxed_or_answer_tag_lower"
  // \boxed{} else <answer> content, answer and response lowercased and stripped (VQA-RAD,
  // PATH-VQA); "boxed_or_answer_tag" the same cut without lowercasing or stripping, and SLAKE's
  // guards (an empty open response scores 0, an empty closed one is wrong); "report_headings"
  // without "Findings:" and "Impression:".
  std::optional<std::string> prep;
};

// The cut named by a prep value (see ScoreInput::prep); throws hm::Error on an unknown one.
std::string CutResponse(const std::string& prep, const std::string& response);

Verdict ScoreResponse(const ScoreInput& input, Scoring scoring);

}  // namespace hm::eval
