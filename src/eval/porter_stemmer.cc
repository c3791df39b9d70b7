#include "eval/porter_stemmer.h"

#include <functional>
#include <map>
#include <vector>

#include "eval/py_str.h"

namespace hm::eval {
namespace {

using Word = std::u32string;

bool IsConsonant(const Word& w, size_t i) {
  char32_t c = w[i];
  if (c == U'a' || c == U'e' || c == U'i' || c == U'o' || c == U'u') return false;
  if (c == U'y') return i == 0 ? true : !IsConsonant(w, i - 1);
  return true;
}

int Measure(const Word& stem) {
  int count = 0;
  for (size_t i = 1; i < stem.size(); ++i)
    if (!IsConsonant(stem, i - 1) && IsConsonant(stem, i)) ++count;
  return count;
}

bool ContainsVowel(const Word& stem) {
  for (size_t i = 0; i < stem.size(); ++i)
    if (!IsConsonant(stem, i)) return true;
  return false;
}

bool EndsDoubleConsonant(const Word& w) {
  size_t n = w.size();
  return n >= 2 && w[n - 1] == w[n - 2] && IsConsonant(w, n - 1);
}

bool EndsCvc(const Word& w) {
  size_t n = w.size();
  if (n >= 3 && IsConsonant(w, n - 3) && !IsConsonant(w, n - 2) && IsConsonant(w, n - 1) && w[n - 1] != U'w' &&
      w[n - 1] != U'x' && w[n - 1] != U'y')
    return true;
  return n == 2 && !IsConsonant(w, 0) && IsConsonant(w, 1);
}

bool EndsWith(const Word& w, std::u32string_view suffix) {
  return w.size() >= suffix.size() && std::u32string_view(w).substr(w.size() - suffix.size()) == suffix;
}

Word Cut(const Word& w, size_t n) { return w.substr(0, w.size() - n); }

struct Rule {
  std::u32string_view suffix;  // U"*d": ends in a double consonant
  Word replacement;
  std::function<bool(const Word&)> condition;  // empty: always
};

// _apply_rule_list: the first rule whose suffix matches decides, applied or not.
Word ApplyRules(const Word& word, const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (rule.suffix == U"*d" && EndsDoubleConsonant(word)) {
      Word stem = Cut(word, 2);
      return !rule.condition || rule.condition(stem) ? stem + rule.replacement : word;
    }
    if (EndsWith(word, rule.suffix)) {
      Word stem = Cut(word, rule.suffix.size());
      return !rule.condition || rule.condition(stem) ? stem + rule.replacement : word;
    }
  }
  return word;
}

bool PositiveMeasure(const Word& stem) { return Measure(stem) > 0; }
bool MeasureAbove1(const Word& stem) { return Measure(stem) > 1; }

Word Step1a(const Word& w) {
  if (EndsWith(w, U"ies") && w.size() == 4) return Cut(w, 3) + U"ie";
  return ApplyRules(w, {{U"sses", U"ss", {}}, {U"ies", U"i", {}}, {U"ss", U"ss", {}}, {U"s", U"", {}}});
}

Word Step1b(const Word& w) {
  if (EndsWith(w, U"ied")) return Cut(w, 3) + (w.size() == 4 ? U"ie" : U"i");
  if (EndsWith(w, U"eed")) {
    Word stem = Cut(w, 3);
    return Measure(stem) > 0 ? stem + U"ee" : w;
  }
  Word stem;
  bool found = false;
  for (std::u32string_view suffix : {std::u32string_view(U"ed"), std::u32string_view(U"ing")}) {
    if (EndsWith(w, suffix)) {
      stem = Cut(w, suffix.size());
      if (ContainsVowel(stem)) {
        found = true;
        break;
      }
    }
  }
  if (!found) return w;
  char32_t last = stem.back();
  return ApplyRules(stem, {{U"at", U"ate", {}},
                           {U"bl", U"ble", {}},
                           {U"iz", U"ize", {}},
                           {U"*d", Word(1, last), [last](const Word&) { return last != U'l' && last != U's' && last != U'z'; }},
                           {U"", U"e", [](const Word& s) { return Measure(s) == 1 && EndsCvc(s); }}});
}

Word Step1c(const Word& w) {
  return ApplyRules(w, {{U"y", U"i", [](const Word& s) { return s.size() > 1 && IsConsonant(s, s.size() - 1); }}});
}

Word Step2(const Word& w) {
  if (EndsWith(w, U"alli") && PositiveMeasure(Cut(w, 4))) return Step2(Cut(w, 4) + U"al");
  std::vector<Rule> rules = {
      {U"ational", U"ate", PositiveMeasure}, {U"tional", U"tion", PositiveMeasure},
      {U"enci", U"ence", PositiveMeasure},   {U"anci", U"ance", PositiveMeasure},
      {U"izer", U"ize", PositiveMeasure},    {U"bli", U"ble", PositiveMeasure},
      {U"alli", U"al", PositiveMeasure},     {U"entli", U"ent", PositiveMeasure},
      {U"eli", U"e", PositiveMeasure},       {U"ousli", U"ous", PositiveMeasure},
      {U"ization", U"ize", PositiveMeasure}, {U"ation", U"ate", PositiveMeasure},
      {U"ator", U"ate", PositiveMeasure},    {U"alism", U"al", PositiveMeasure},
      {U"iveness", U"ive", PositiveMeasure}, {U"fulness", U"ful", PositiveMeasure},
      {U"ousness", U"ous", PositiveMeasure}, {U"aliti", U"al", PositiveMeasure},
      {U"iviti", U"ive", PositiveMeasure},   {U"biliti", U"ble", PositiveMeasure},
      {U"fulli", U"ful", PositiveMeasure},
      {U"logi", U"log", [&w](const Word&) { return PositiveMeasure(Cut(w, 3)); }},
  };
  return ApplyRules(w, rules);
}

Word Step3(const Word& w) {
  return ApplyRules(w, {{U"icate", U"ic", PositiveMeasure},
                        {U"ative", U"", PositiveMeasure},
                        {U"alize", U"al", PositiveMeasure},
                        {U"iciti", U"ic", PositiveMeasure},
                        {U"ical", U"ic", PositiveMeasure},
                        {U"ful", U"", PositiveMeasure},
                        {U"ness", U"", PositiveMeasure}});
}

Word Step4(const Word& w) {
  std::vector<Rule> rules;
  for (std::u32string_view s : {U"al", U"ance", U"ence", U"er", U"ic", U"able", U"ible", U"ant", U"ement",
                                U"ment", U"ent"})
    rules.push_back({s, U"", MeasureAbove1});
  rules.push_back({U"ion", U"", [](const Word& s) {
                     return Measure(s) > 1 && !s.empty() && (s.back() == U's' || s.back() == U't');
                   }});
  for (std::u32string_view s : {U"ou", U"ism", U"ate", U"iti", U"ous", U"ive", U"ize"})
    rules.push_back({s, U"", MeasureAbove1});
  return ApplyRules(w, rules);
}

Word Step5a(const Word& w) {
  if (EndsWith(w, U"e")) {
    Word stem = Cut(w, 1);
    if (Measure(stem) > 1) return stem;
    if (Measure(stem) == 1 && !EndsCvc(stem)) return stem;
  }
  return w;
}

Word Step5b(const Word& w) {
  return ApplyRules(w, {{U"ll", U"l", [&w](const Word&) { return Measure(Cut(w, 1)) > 1; }}});
}

const std::map<std::string, std::string>& IrregularForms() {
  static const std::map<std::string, std::string> pool = {
      {"sky", "sky"},         {"skies", "sky"},       {"dying", "die"},        {"lying", "lie"},
      {"tying", "tie"},       {"news", "news"},       {"innings", "inning"},   {"inning", "inning"},
      {"outings", "outing"},  {"outing", "outing"},   {"cannings", "canning"}, {"canning", "canning"},
      {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"},    {"succeed", "succeed"}};
  return pool;
}

}  // namespace

std::string PorterStem(std::string_view word) {
  std::string lowered = PyLower(word);
  auto irregular = IrregularForms().find(std::string(word));
  if (irregular != IrregularForms().end()) return irregular->second;
  Word w = CodePoints(word);
  if (w.size() <= 2) return lowered;
  Word stem = CodePoints(lowered);
  stem = Step5b(Step5a(Step4(Step3(Step2(Step1c(Step1b(Step1a(stem))))))));
  return Utf8(stem);
}

}  // namespace hm::eval
