#include "eval/answer_match.h"

#include <cctype>
#include <regex>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "eval/rules.h"

namespace hm::eval {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string> Words(const std::string& normalized) {
  std::vector<std::string> words;
  std::istringstream in(normalized);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// "A" for a response that starts with an option letter standing alone: "B", "B.", "b)", "(C) ...".
std::optional<char> LeadingLetter(std::string_view response, size_t options) {
  size_t i = 0;
  while (i < response.size() && std::isspace(static_cast<unsigned char>(response[i]))) ++i;
  if (i < response.size() && response[i] == '(') ++i;
  if (i >= response.size() || !std::isalpha(static_cast<unsigned char>(response[i]))) return std::nullopt;
  const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(response[i])));
  const size_t after = i + 1;
  const bool alone = after == response.size() || std::isspace(static_cast<unsigned char>(response[after])) ||
                     response[after] == '.' || response[after] == ')' || response[after] == ':';
  if (!alone || letter < 'A' || static_cast<size_t>(letter - 'A') >= options) return std::nullopt;
  return letter;
}

// The option text without its "A. " prefix.
std::string OptionText(const std::string& choice) {
  return choice.size() > 3 && choice[1] == '.' && choice[2] == ' ' ? choice.substr(3) : choice;
}

std::optional<char> ChosenLetter(const EvalSample& s, const std::string& response) {
  if (auto letter = LeadingLetter(response, s.choices.size())) return letter;
  const std::string said = NormalizeAnswer(response);
  for (size_t i = 0; i < s.choices.size(); ++i)
    if (!said.empty() && NormalizeAnswer(OptionText(s.choices[i])) == said) return static_cast<char>('A' + i);
  return std::nullopt;
}

bool IsNumberAnswer(const std::string& normalized) {
  static const std::regex kNumber("^([a-z]+ )?-?[0-9]+$");
  return std::regex_match(normalized, kNumber);
}

}  // namespace

std::string NormalizeAnswer(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    const bool digit_next = i + 1 < text.size() && IsDigit(text[i + 1]);
    const bool keep = (c >= 'a' && c <= 'z') || IsDigit(c) || (c == '-' && digit_next) ||
                      (c == '.' && digit_next && i > 0 && IsDigit(text[i - 1]));
    if (keep) {
      out += c;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  for (const char* article : {"the ", "a ", "an "}) {
    if (out.rfind(article, 0) == 0) return out.substr(std::string_view(article).size());
  }
  return out;
}

std::optional<long> FirstNumber(std::string_view text) {
  static const char* kWords[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};
  for (const std::string& w : Words(NormalizeAnswer(text))) {
    const size_t digits = w[0] == '-' ? 1 : 0;
    if (w.size() > digits && std::all_of(w.begin() + digits, w.end(), IsDigit)) return std::stol(w);
    if (w == "no" || w == "none") return 0;
    for (long n = 0; n <= 10; ++n)
      if (w == kWords[n]) return n;
  }
  return std::nullopt;
}

Verdict MatchAnswer(const EvalSample& s, const std::string& response) {
  Verdict v;
  const std::string gold = NormalizeAnswer(s.answer);
  if (s.kind == "multi_choice") {
    const auto letter = ChosenLetter(s, response);
    v.correct = letter && s.answer == std::string(1, *letter);
  } else if (s.kind == "judgement") {
    const auto words = Words(NormalizeAnswer(response));
    v.correct = !words.empty() && words[0] == gold;
  } else if (s.kind == "close_ended") {
    v.correct = IsNumberAnswer(gold) ? FirstNumber(response) == FirstNumber(gold) : NormalizeAnswer(response) == gold;
  } else {
    throw Error("sample " + s.id + ": answer matching has no rule for kind '" + s.kind + "'");
  }
  return v;
}

ScoreFn AnswerMatchScorer() {
  return [](const EvalSample& s, const std::string& response) {
    if (s.kind != "report") return MatchAnswer(s, response);
    ScoreInput input;
    input.kind = RuleKind::kReport;
    input.answer = s.answer;
    input.response = response;
    input.prep = s.prep;
    return ScoreResponse(input, Scoring::kFixed);
  };
}

}  // namespace hm::eval
