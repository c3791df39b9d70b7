#include "eval/vqa_normalize.h"

#include <map>
#include <unordered_map>
#include <vector>

#include "eval/py_str.h"
#include "text/utf8.h"

namespace hm::eval {
namespace {

// glossary.contractions: the VQA evaluation's table, as MedUniEval ships it.
const std::unordered_map<std::string, std::string>& Contractions() {
  static const std::unordered_map<std::string, std::string> table = {
     {"aint", "ain't"}, {"arent", "aren't"}, {"cant", "can't"}, {"couldve", "could've"},
     {"couldnt", "couldn't"}, {"couldn'tve", "couldn't've"}, {"couldnt've", "couldn't've"},
     {"didnt", "didn't"}, {"doesnt", "doesn't"}, {"dont", "don't"}, {"hadnt", "hadn't"},
     {"hadnt've", "hadn't've"}, {"hadn'tve", "hadn't've"}, {"hasnt", "hasn't"}, {"havent", "haven't"},
     {"hed", "he'd"}, {"hed've", "he'd've"}, {"he'dve", "he'd've"}, {"hes", "he's"}, {"howd", "how'd"},
     {"howll", "how'll"}, {"hows", "how's"}, {"Id've", "I'd've"}, {"I'dve", "I'd've"}, {"Im", "I'm"},
     {"Ive", "I've"}, {"isnt", "isn't"}, {"itd", "it'd"}, {"itd've", "it'd've"}, {"it'dve", "it'd've"},
     {"itll", "it'll"}, {"let's", "let's"}, {"maam", "ma'am"}, {"mightnt", "mightn't"},
     {"mightnt've", "mightn't've"}, {"mightn'tve", "mightn't've"}, {"mightve", "might've"},
     {"mustnt", "mustn't"}, {"mustve", "must've"}, {"neednt", "needn't"}, {"notve", "not've"},
     {"oclock", "o'clock"}, {"oughtnt", "oughtn't"}, {"ow's'at", "'ow's'at"}, {"'ows'at", "'ow's'at"},
     {"'ow'sat", "'ow's'at"}, {"shant", "shan't"}, {"shed've", "she'd've"}, {"she'dve", "she'd've"},
     {"she's", "she's"}, {"shouldve", "should've"}, {"shouldnt", "shouldn't"},
     {"shouldnt've", "shouldn't've"}, {"shouldn'tve", "shouldn't've"}, {"somebody'd", "somebodyd"},
     {"somebodyd've", "somebody'd've"}, {"somebody'dve", "somebody'd've"}, {"somebodyll", "somebody'll"},
     {"somebodys", "somebody's"}, {"someoned", "someone'd"}, {"someoned've", "someone'd've"},
     {"someone'dve", "someone'd've"}, {"someonell", "someone'll"}, {"someones", "someone's"},
     {"somethingd", "something'd"}, {"somethingd've", "something'd've"}, {"something'dve", "something'd've"},
     {"somethingll", "something'll"}, {"thats", "that's"}, {"thered", "there'd"},
     {"thered've", "there'd've"}, {"there'dve", "there'd've"}, {"therere", "there're"},
     {"theres", "there's"}, {"theyd", "they'd"}, {"theyd've", "they'd've"}, {"they'dve", "they'd've"},
     {"theyll", "they'll"}, {"theyre", "they're"}, {"theyve", "they've"}, {"twas", "'twas"},
     {"wasnt", "wasn't"}, {"wed've", "we'd've"}, {"we'dve", "we'd've"}, {"weve", "we've"},
     {"werent", "weren't"}, {"whatll", "what'll"}, {"whatre", "what're"}, {"whats", "what's"},
     {"whatve", "what've"}, {"whens", "when's"}, {"whered", "where'd"}, {"wheres", "where's"},
     {"whereve", "where've"}, {"whod", "who'd"}, {"whod've", "who'd've"}, {"who'dve", "who'd've"},
     {"wholl", "who'll"}, {"whos", "who's"}, {"whove", "who've"}, {"whyll", "why'll"}, {"whyre", "why're"},
     {"whys", "why's"}, {"wont", "won't"}, {"wouldve", "would've"}, {"wouldnt", "wouldn't"},
     {"wouldnt've", "wouldn't've"}, {"wouldn'tve", "wouldn't've"}, {"yall", "y'all"},
     {"yall'll", "y'all'll"}, {"y'allll", "y'all'll"}, {"yall'd've", "y'all'd've"},
     {"y'alld've", "y'all'd've"}, {"y'all'dve", "y'all'd've"}, {"youd", "you'd"}, {"youd've", "you'd've"},
     {"you'dve", "you'd've"}, {"youll", "you'll"}, {"youre", "you're"}, {"youve", "you've"},
  };
  return table;
}

const std::unordered_map<std::string, std::string>& NumberWords() {
  static const std::unordered_map<std::string, std::string> table = {
      {"none", "0"}, {"zero", "0"}, {"one", "1"}, {"two", "2"},   {"three", "3"}, {"four", "4"},
      {"five", "5"}, {"six", "6"},  {"seven", "7"}, {"eight", "8"}, {"nine", "9"},  {"ten", "10"}};
  return table;
}

constexpr std::string_view kPunct[] = {";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+",
                                       "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"};

// re.search(r"(\d)(\,)(\d)", s) with Unicode digits.
bool HasDigitCommaDigit(const std::u32string& s) {
  for (size_t i = 1; i + 1 < s.size(); ++i)
    if (s[i] == U',' && PyIsDecimal(s[i - 1]) && PyIsDecimal(s[i + 1])) return true;
  return false;
}

// period_strip.sub("", s, count): "(?!<=\d)(\.)(?!\d)" is "\.(?!\d)" (the lookbehind is
// misspelt as a lookahead that can never match before a '.').
std::string StripPeriods(std::string_view s, size_t count) {
  std::u32string cps = CodePoints(s), out;
  size_t removed = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    bool digit_next = i + 1 < cps.size() && PyIsDecimal(cps[i + 1]);
    if (cps[i] == U'.' && !digit_next && removed < count) {
      ++removed;
      continue;
    }
    out.push_back(cps[i]);
  }
  return Utf8(out);
}

std::map<std::string, long> WordCounts(std::string_view sentence) {
  std::map<std::string, long> counts;
  for (const std::string& w : PySplit(PyStrip(PyLower(sentence)))) ++counts[w];
  return counts;
}

}  // namespace

std::string NormalizeWord(std::string_view token, bool all_periods) {
  std::string out(token);
  bool comma_number = HasDigitCommaDigit(CodePoints(token));
  for (std::string_view p : kPunct) {
    std::string with_space_after = std::string(p) + " ", with_space_before = " " + std::string(p);
    bool touches_space = Contains(token, with_space_after) || Contains(token, with_space_before);
    out = PyReplace(out, p, touches_space || comma_number ? "" : " ");
  }
  out = StripPeriods(out, all_periods ? SIZE_MAX : 32);
  std::vector<std::string> words;
  for (std::string& w : PySplit(PyLower(out))) {
    auto number = NumberWords().find(w);
    if (number != NumberWords().end()) w = number->second;
    if (w != "a" && w != "an" && w != "the") words.push_back(w);
  }
  std::string joined;
  for (std::string& w : words) {
    auto c = Contractions().find(w);
    if (!joined.empty()) joined += ' ';
    joined += c == Contractions().end() ? w : c->second;
  }
  return PyReplace(joined, ",", "");
}

double WordExactMatch(std::string_view candidate, std::string_view reference, bool all_periods) {
  auto cand = WordCounts(NormalizeWord(candidate, all_periods));
  auto ref = WordCounts(NormalizeWord(reference, all_periods));
  long count = 0, total = 0;
  for (const auto& [w, n] : ref) count += cand.count(w) ? 1 : 0;
  for (const auto& [w, n] : cand) total += n;
  return total == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(total);
}

WordF1 WordF1Score(std::string_view candidate, std::string_view reference, bool all_periods) {
  auto cand = WordCounts(NormalizeWord(candidate, all_periods));
  auto ref = WordCounts(NormalizeWord(reference, all_periods));
  if (cand.empty() || ref.empty()) return {};
  long tp = 0, fp = 0, fn = 0;
  for (const auto& [w, n] : cand) (ref.count(w) ? tp : fp) += n;
  for (const auto& [w, n] : ref)
    if (!cand.count(w)) fn += n;
  if (tp == 0) return {};
  double precision = static_cast<double>(tp) / static_cast<double>(tp + fp);
  double recall = static_cast<double>(tp) / static_cast<double>(tp + fn);
  return {2 * precision * recall / (precision + recall), precision, recall};
}

}  // namespace hm::eval
