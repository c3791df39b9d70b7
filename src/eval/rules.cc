#include "eval/rules.h"

#include <algorithm>
#include <array>
#include <set>

#include "core/error.h"
#include "eval/answer_text.h"
#include "eval/bleu.h"
#include "eval/meteor.h"
#include "eval/mmmu_rules.h"
#include "eval/py_str.h"
#include "eval/python_error.h"
#include "eval/rouge.h"
#include "eval/sequence_matcher.h"
#include "eval/vqa_normalize.h"
#include "text/utf8.h"

namespace hm::eval {
namespace {

constexpr std::array<std::pair<std::string_view, RuleKind>, 9> kKindNames = {{
    {"multi_choice", RuleKind::kMultiChoice},
    {"close_ended", RuleKind::kCloseEnded},
    {"judgement", RuleKind::kJudgement},
    {"open_ended", RuleKind::kOpenEnded},
    {"open_3d", RuleKind::kOpen3d},
    {"closed_3d", RuleKind::kClosed3d},
    {"report", RuleKind::kReport},
    {"mmmu_multi_choice", RuleKind::kMmmuChoice},
    {"mmmu_open", RuleKind::kMmmuOpen},
}};

// Stack depth of rouge's first LCS back-tracking frame when MedUniEval runs as
// `python eval.py` (module, main, eval, cal_metrics, judge_open_end_vqa or evaluate_m3d,
// rouge or _evaluate_core, get_scores, _get_scores, lambda, rouge_l_summary_level,
// _union_lcs, _recon_lcs, _recon) and as `python cal_report_metrics.py` (module, get_scores,
// ..., _recon).
constexpr int kEvalPyReconDepth = 13;
constexpr int kReportScriptReconDepth = 8;

bool In(const std::string& s, const std::vector<std::string>& list) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// ---- multiple choice: judge_multi_choice after the benchmarks' extract(response, "answer")

// find_most_similar_index: first choice with the highest SequenceMatcher ratio against the
// response (0, i.e. option A, when none is above 0). Fixed: nullopt unless one choice is
// strictly the most similar.
std::optional<size_t> MostSimilarChoice(const std::vector<std::string>& choices, const std::string& response,
                                        bool fixed) {
  std::u32string target = CodePoints(response);
  size_t best = 0, ties = 0;
  double highest = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    double r = SequenceMatcherRatio(CodePoints(choices[i]), target);
    if (r > highest) {
      best = i;
      highest = r;
      ties = 1;
    } else if (r == highest && highest > 0) {
      ++ties;
    }
  }
  if (fixed && (highest == 0 || ties != 1)) return std::nullopt;
  return best;
}

bool JudgeMultiChoice(const std::vector<std::string>& raw_choices, const std::string& raw_answer,
                      const std::string& raw_response, bool fixed) {
  std::vector<std::string> alphas;
  for (size_t i = 0; i < raw_choices.size(); ++i) {
    std::string letter;
    AppendUtf8(letter, static_cast<char32_t>(U'a' + i));
    alphas.push_back(letter);
  }
  std::string response = PyLower(raw_response);
  std::vector<std::string> paragraphs = PySplit(response, "\n\n");
  std::string last_first_sentence = PySplit(paragraphs.back(), ".")[0];
  if (In(paragraphs[0], alphas)) response = paragraphs[0];
  else if (In(last_first_sentence, alphas)) response = last_first_sentence;

  response = ParseResponse(response, fixed);
  std::vector<std::string> choices;
  for (const std::string& c : raw_choices) choices.push_back(PyLower(c));
  response = PyReplace(PyLower(PyStrip(response)), "\n", "");
  std::string split = std::string(PyAfterLast(PySplit(response, ".")[0], ":"));
  std::string answer = PyLower(PyStrip(raw_answer));

  auto letter_index = [](const std::string& letter) { return static_cast<size_t>(CodePoints(letter)[0] - U'a'); };
  if (split == answer) return true;
  if (In(split, alphas)) return choices[letter_index(split)] == answer;
  if (In(split, choices)) return In(answer, alphas) && split == choices[letter_index(answer)];
  std::optional<size_t> index = MostSimilarChoice(choices, response, fixed);
  if (!index) return false;
  if (*index >= alphas.size()) throw PythonError("IndexError", "list index out of range");
  return alphas[*index] == answer || choices[*index] == answer;
}

// ---- VQA (VQA-RAD, PATH-VQA, SLAKE)

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The compat rules' cleaned response: parse_response without newlines and periods.
std::string CleanedVqaResponse(const std::string& response, bool fixed) {
  return PyReplace(PyReplace(ParseResponse(response, fixed), "\n", fixed ? " " : ""), ".", "");
}

bool JudgeCloseEnded(const std::string& answer, const std::string& response, bool fixed) {
  std::string cleaned = CleanedVqaResponse(response, fixed);
  if (!fixed) return cleaned == PyLower(answer);
  // fixed: surrounding and repeated whitespace does not matter ("answer: left lung")
  return JoinWords(PySplit(cleaned)) == JoinWords(PySplit(PyReplace(PyLower(answer), ".", "")));
}

std::vector<std::string> AsciiWords(const std::string& text) {
  std::vector<std::string> words(1);
  for (char c : text) {
    bool word_char = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (word_char) words.back() += c;
    else if (!words.back().empty()) words.emplace_back();
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

bool JudgeJudgement(const std::string& raw_answer, const std::string& response, bool fixed) {
  std::string answer = PyLower(raw_answer);
  std::string cleaned = CleanedVqaResponse(response, fixed);
  if (!fixed) {
    // substrings: "no" is found in "nodule", "not", "know"; "yes" in "eyes"
    return (Contains(cleaned, "yes") != Contains(cleaned, "no")) && Contains(cleaned, answer);
  }
  std::vector<std::string> words = AsciiWords(cleaned);
  bool yes = In("yes", words), no = In("no", words);
  return yes != no && answer == (yes ? "yes" : "no");
}

std::vector<std::string> OpenVqaTokens(const std::string& text) {
  return PySplit(PyReplace(PyLower(text), ".", " ."), " ");
}

Verdict ScoreOpenEnded(const std::string& raw_answer, const std::string& raw_response, bool fixed, bool slake_guard) {
  std::string answer = PyLower(raw_answer);
  Verdict v;
  if (slake_guard && PyStrip(raw_response).empty()) {  // SLAKE: no rule, every score 0
    v.correct = false;
    for (const char* name : {"bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougel", "precision", "recall",
                             "f1", "em"})
      v.scores.emplace_back(name, 0.0);
    return v;
  }
  std::string response = ParseResponse(raw_response, fixed);
  v.correct = response == answer;
  v.scores.emplace_back("em", *v.correct ? 1.0 : 0.0);
  for (int n = 1; n <= 4; ++n)
    v.scores.emplace_back("bleu" + std::to_string(n),
                          SentenceBleu(OpenVqaTokens(answer), OpenVqaTokens(response),
                                       std::vector<double>(n, 1.0 / n), BleuSmoothing::kMethod0));
  RougeScores rouge;
  try {
    rouge = PltrdyRouge(PyLower(response), PyLower(answer), fixed ? 0 : kEvalPyReconDepth);
  } catch (const PythonError&) {
    if (!fixed) throw;
  }
  v.scores.emplace_back("rouge1", rouge.rouge1);
  v.scores.emplace_back("rouge2", rouge.rouge2);
  v.scores.emplace_back("rougel", rouge.rougel);
  // calculate_f1: distinct words; it returns 0 (not a triple) when a side is empty, which
  // the caller cannot unpack, and returns (f1, precision, recall) into variables named
  // precision, recall, f1.
  std::vector<std::string> pred_words = PySplit(PyLower(response)), gold_words = PySplit(PyLower(answer));
  std::set<std::string> pred(pred_words.begin(), pred_words.end()), gold(gold_words.begin(), gold_words.end());
  double precision = 0, recall = 0, f1 = 0;
  if (pred.empty() || gold.empty()) {
    if (!fixed) throw PythonError("TypeError", "cannot unpack non-iterable int object");
  } else {
    size_t common = 0;
    for (const std::string& w : pred) common += gold.count(w);
    precision = static_cast<double>(common) / static_cast<double>(pred.size());
    recall = static_cast<double>(common) / static_cast<double>(gold.size());
    f1 = precision + recall == 0 ? 0 : 2 * (precision * recall) / (precision + recall);
  }
  if (fixed) {
    v.scores.emplace_back("precision", precision);
    v.scores.emplace_back("recall", recall);
    v.scores.emplace_back("f1", f1);
  } else {
    v.scores.emplace_back("precision", f1);
    v.scores.emplace_back("recall", precision);
    v.scores.emplace_back("f1", recall);
  }
  return v;
}

// ---- 3D (M3D, 3D-RAD): eval_3d._evaluate_core

std::string ChoiceLetter(const std::string& text, bool fixed) {
  std::string t = PyStrip(PyLower(text));
  if (t.empty() || t[0] < 'a' || t[0] > 'd') return t;
  // compat: ^([a-d])[.\):]?\s* takes the first letter of any word ("bilateral" -> b)
  if (fixed && t.size() > 1) {
    char32_t next = CodePoints(t)[1];
    if (next != U'.' && next != U')' && next != U':' && !PyIsSpace(next)) return t;
  }
  return t.substr(0, 1);
}

Verdict ScoreOpen3d(const std::string& raw_answer, const std::string& raw_response, bool fixed) {
  std::string gold = PyLower(PyStrip(raw_answer)), pred = PyLower(PyStrip(raw_response));
  Verdict v;
  v.scores.emplace_back("exact_match", WordExactMatch(pred, gold, fixed));
  WordF1 f1 = WordF1Score(pred, gold, fixed);
  v.scores.emplace_back("f1", f1.f1);
  v.scores.emplace_back("precision", f1.precision);
  v.scores.emplace_back("recall", f1.recall);
  RougeScores rouge;
  if (!pred.empty()) {
    try {
      rouge = PltrdyRouge(pred, gold, fixed ? 0 : kEvalPyReconDepth);
    } catch (const PythonError& e) {  // eval_3d catches ValueError (scores 0), not RecursionError
      if (std::string_view(e.what()).starts_with("RecursionError")) throw;
    }
  }
  v.scores.emplace_back("rouge1", rouge.rouge1);
  v.scores.emplace_back("rouge2", rouge.rouge2);
  v.scores.emplace_back("rougel", rouge.rougel);
  std::vector<std::string> ref = PySplit(gold), cand = PySplit(pred);
  const double third = fixed ? 1.0 / 3 : 0.33;  // compat: MedUniEval's (0.33, 0.33, 0.33, 0)
  const std::vector<std::vector<double>> weights = {
      {1, 0, 0, 0}, {0.5, 0.5, 0, 0}, {third, third, third, 0}, {0.25, 0.25, 0.25, 0.25}};
  for (size_t n = 0; n < 4; ++n)
    v.scores.emplace_back("bleu" + std::to_string(n + 1), SentenceBleu(ref, cand, weights[n], BleuSmoothing::kMethod1));
  v.scores.emplace_back("meteor", pred.empty() ? 0.0 : SingleMeteor(ref, cand));
  return v;
}

// ---- reports (IU-Xray, MIMIC-CXR, CheXpert Plus): Metrics_Compute/cal_report_metrics.py

std::vector<std::string> ReportTokens(const std::string& text) {
  std::vector<std::string> out;
  for (std::string& t : PySplit(PyReplace(PyLower(text), ".", " ."), " "))
    if (!t.empty()) out.push_back(std::move(t));
  return out;
}

Verdict ScoreReport(const std::string& golden, const std::string& raw_response, bool fixed) {
  const std::string& response = raw_response;
  Verdict v;
  static constexpr const char* kNames[] = {"bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougel", "meteor"};
  if (response.empty()) {  // skipped, yet counted in the mean's denominator: 0 everywhere
    for (const char* name : kNames) v.scores.emplace_back(name, 0.0);
    return v;
  }
  std::vector<std::string> hyp = ReportTokens(PyLower(response)), ref = ReportTokens(PyLower(golden));
  const std::vector<std::vector<double>> weights = {{1}, {0.5, 0.5}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {0.25, 0.25, 0.25, 0.25}};
  for (size_t n = 0; n < 4; ++n)
    v.scores.emplace_back(kNames[n], SentenceBleu(ref, hyp, weights[n], BleuSmoothing::kMethod0));
  RougeScores rouge;
  try {
    // compat: the hypothesis is cut to 2048 code points before ROUGE only
    rouge = fixed ? PltrdyRouge(PyLower(response), PyLower(golden))
                  : PltrdyRouge(PyPrefix(PyLower(response), 2048), PyLower(golden), kReportScriptReconDepth);
  } catch (const PythonError&) {
    if (!fixed) throw;
  }
  v.scores.emplace_back("rouge1", rouge.rouge1);
  v.scores.emplace_back("rouge2", rouge.rouge2);
  v.scores.emplace_back("rougel", rouge.rougel);
  v.scores.emplace_back("meteor", SingleMeteor(ref, hyp));
  return v;
}

}  // namespace

Scoring ParseScoring(std::string_view name) {
  HM_CHECK(name == "compat" || name == "fixed", "scoring \"", name, "\": expected compat or fixed");
  return name == "compat" ? Scoring::kCompat : Scoring::kFixed;
}

std::optional<RuleKind> RuleKindFromName(std::string_view name) {
  for (const auto& [n, kind] : kKindNames)
    if (n == name) return kind;
  return std::nullopt;
}

const char* RuleKindName(RuleKind kind) {
  for (const auto& [n, k] : kKindNames)
    if (k == kind) return n.data();
  return "?";
}

std::string CutResponse(const std::string& prep, const std::string& response) {
  if (prep.empty()) return response;
  if (prep == "answer_tag") return ExtractTag(response, "answer");
  if (prep == "report_headings") return PyReplace(PyReplace(response, "Findings:", ""), "Impression:", "");
  HM_CHECK(prep == "boxed_or_answer_tag" || prep == "boxed_or_answer_tag_lower", "unknown response prep \"", prep,
           "\" (\"\", answer_tag, boxed_or_answer_tag, boxed_or_answer_tag_lower, report_headings)");
  std::string cut = response;
  if (std::string boxed = ExtractBoxed(response); boxed != "None") cut = boxed;
  else if (Contains(response, "<answer>")) cut = ExtractTag(response, "answer");
  return prep == "boxed_or_answer_tag_lower" ? PyStrip(PyLower(cut)) : cut;
}

Verdict ScoreResponse(const ScoreInput& in, Scoring scoring) {
  const bool fixed = scoring == Scoring::kFixed;
  static constexpr const char* kUsualPrep[] = {"answer_tag", "boxed_or_answer_tag_lower", "boxed_or_answer_tag_lower",
                                               "boxed_or_answer_tag_lower", "", "", "report_headings", "", ""};
  const std::string prep = in.prep.value_or(kUsualPrep[static_cast<int>(in.kind)]);
  // fixed: SLAKE's cut keeps surrounding whitespace, so "Liver\n" is not "liver" (em 0, BLEU 0)
  const std::string response = fixed && prep == "boxed_or_answer_tag" ? PyStrip(CutResponse(prep, in.response))
                                                                       : CutResponse(prep, in.response);
  // VQA-RAD and PATH-VQA lowercase and strip the answer too; SLAKE guards empty responses.
  const std::string vqa_answer = prep == "boxed_or_answer_tag_lower" ? PyStrip(PyLower(in.answer)) : in.answer;
  const bool slake_guard = prep == "boxed_or_answer_tag";
  try {
    switch (in.kind) {
      case RuleKind::kMultiChoice:
        return {JudgeMultiChoice(in.choices, in.answer, response, fixed), {}, {}};
      case RuleKind::kCloseEnded:
        if (slake_guard && PyStrip(response).empty()) return {false, {}, {}};
        return {JudgeCloseEnded(vqa_answer, response, fixed), {}, {}};
      case RuleKind::kJudgement:
        return {JudgeJudgement(vqa_answer, response, fixed), {}, {}};
      case RuleKind::kOpenEnded:
        return ScoreOpenEnded(vqa_answer, response, fixed, slake_guard);
      case RuleKind::kOpen3d:
        return ScoreOpen3d(in.answer, response, fixed);
      case RuleKind::kClosed3d:
        return {ChoiceLetter(in.answer, fixed) == ChoiceLetter(response, fixed), {}, {}};
      case RuleKind::kReport:
        return ScoreReport(in.answer, response, fixed);
      case RuleKind::kMmmuChoice:
        return {MmmuChoiceLetter(in.choices, MmmuCut(response), fixed) == in.answer, {}, {}};
      case RuleKind::kMmmuOpen:
        return {MmmuJudgeOpen(in.answer, MmmuCut(response), fixed), {}, {}};
    }
  } catch (const PythonError& e) {
    Verdict v;
    v.error = e.what();
    return v;
  }
  return {};
}

}  // namespace hm::eval
