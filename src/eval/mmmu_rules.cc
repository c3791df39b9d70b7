#include "eval/mmmu_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <unicode/uchar.h>

#include "core/error.h"
#include "eval/answer_text.h"
#include "eval/py_str.h"

namespace hm::eval {
namespace {

// str.strip(ch) for one ASCII character: that character off both ends.
std::string StripChar(const std::string& s, char ch) {
  size_t begin = s.find_first_not_of(ch);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(ch) - begin + 1);
}

size_t PyLen(const std::string& s) { return CodePoints(s).size(); }

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Python's float(str): surrounding whitespace, Unicode decimal digits, "_" between digits,
// inf/infinity/nan in any case. nullopt where float() raises ValueError.
std::optional<double> PyFloat(const std::string& text) {
  std::string ascii;
  for (char32_t c : CodePoints(PyStrip(text))) {
    if (c < 0x80) ascii.push_back(static_cast<char>(c));
    else if (PyIsDecimal(c)) ascii.push_back(static_cast<char>('0' + u_charDigitValue(static_cast<UChar32>(c))));
    else return std::nullopt;
  }
  size_t i = 0;
  std::string plain;
  if (i < ascii.size() && (ascii[i] == '+' || ascii[i] == '-')) plain.push_back(ascii[i++]);
  std::string word = PyLower(ascii.substr(i));
  if (word == "inf" || word == "infinity" || word == "nan") return std::strtod((plain + word).c_str(), nullptr);
  // digits with single underscores between them; returns how many digits were read
  auto digit_part = [&]() {
    size_t digits = 0;
    while (i < ascii.size() && std::isdigit(static_cast<unsigned char>(ascii[i]))) {
      plain.push_back(ascii[i++]);
      ++digits;
      if (i + 1 < ascii.size() && ascii[i] == '_' && std::isdigit(static_cast<unsigned char>(ascii[i + 1]))) ++i;
    }
    return digits;
  };
  size_t mantissa = digit_part();
  if (i < ascii.size() && ascii[i] == '.') {
    plain.push_back(ascii[i++]);
    mantissa += digit_part();
  }
  if (mantissa == 0) return std::nullopt;
  if (i < ascii.size() && (ascii[i] == 'e' || ascii[i] == 'E')) {
    plain.push_back(ascii[i++]);
    if (i < ascii.size() && (ascii[i] == '+' || ascii[i] == '-')) plain.push_back(ascii[i++]);
    if (digit_part() == 0) return std::nullopt;
  }
  if (i != ascii.size()) return std::nullopt;
  return std::strtod(plain.c_str(), nullptr);
}

// round(x, 2): the correctly rounded decimal, as printf's %.2f gives it.
double Round2(double x) {
  if (!std::isfinite(x)) return x;
  char buffer[400];
  std::snprintf(buffer, sizeof buffer, "%.2f", x);
  return std::strtod(buffer, nullptr);
}

// normalize_str
std::vector<MmmuOpenItem> Normalize(const std::string& raw) {
  std::string s = PyStrip(raw);
  if (auto number = PyFloat(PyReplace(s, ",", ""))) return {Round2(*number)};
  s = PyLower(s);
  if (PyLen(s) == 1) return {" " + s, s + " "};  // avoid trivial matches
  return {s};
}

// Python's \w for one code point: "_", letters and numbers (str.isalnum()).
bool PyIsWord(char32_t c) {
  if (c < 0x80) return std::isalnum(static_cast<int>(c)) || c == '_';
  return (U_GET_GC_MASK(static_cast<UChar32>(c)) & (U_GC_L_MASK | U_GC_N_MASK)) != 0;
}

// extract_numbers: re.findall of three patterns, one after the other, over the whole text:
//   commas      -?\b\d{1,3}(?:,\d{3})+\b
//   scientific  -?\d+(?:\.\d+)?[eE][+-]?\d+
//   simple      -?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])
// Matched by hand (std::regex recurses once per character and overflows the stack on a long
// digit run). Each matcher returns the end of the match starting at i, or npos. They work on a
// one-byte-per-code-point image of the text (ASCII kept; other digits as '5', other word
// characters as 'a', the rest as '#'), so \d and \b keep Python's Unicode meaning.
class NumberScanner {
 public:
  explicit NumberScanner(const std::string& image) : s_(image) {}

  size_t Commas(size_t i) const {
    size_t j = s_[i] == '-' ? i + 1 : i;
    if (!Digit(j) || (j == i && Word(i - 1))) return npos;  // \b before the first digit
    const size_t k = DigitRun(j);
    if (k > 3) return npos;  // \d{1,3} then ',' cannot follow a longer run
    size_t groups = 0, pos = j + k;
    while (s_[pos] == ',' && Digit(pos + 1) && Digit(pos + 2) && Digit(pos + 3)) pos += 4, ++groups;
    if (groups == 0) return npos;
    if (!Word(pos)) return pos;
    return groups >= 2 ? pos - 4 : npos;  // one group fewer ends before a ',' (a boundary)
  }

  size_t Scientific(size_t i) const {
    size_t pos = s_[i] == '-' ? i + 1 : i;
    if (!Digit(pos)) return npos;
    pos += DigitRun(pos);
    if (s_[pos] == '.' && Digit(pos + 1)) pos += 1 + DigitRun(pos + 1);
    return ExponentEnd(pos);
  }

  size_t Simple(size_t i) const {
    const size_t j = s_[i] == '-' ? i + 1 : i;
    if (Digit(j)) {
      const size_t q = j + DigitRun(j);
      if (s_[q] == '.' && Digit(q + 1)) {
        const size_t e = q + 1 + DigitRun(q + 1);
        if (ExponentEnd(e) == npos && s_[e] != ',') return e;
      }
      return !Word(q) && s_[q] != ',' ? q : npos;
    }
    if (s_[j] == '.' && Digit(j + 1)) {
      const size_t e = j + 1 + DigitRun(j + 1);
      if (ExponentEnd(e) == npos && s_[e] != ',') return e;
    }
    return npos;
  }

  // Where the next attempt may start after a failed one at i: inside the same digit run the
  // attempt sees the same run end, so it fails the same way (keeps long runs linear).
  size_t NextStart(size_t i) const {
    const size_t j = s_[i] == '-' ? i + 1 : i;
    return Digit(j) ? j + DigitRun(j) : i + 1;
  }

  static constexpr size_t npos = std::string::npos;

 private:
  bool Digit(size_t i) const { return i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; }
  bool Word(size_t i) const {  // i == npos stands for "before the text"
    if (i >= s_.size()) return false;
    const char c = s_[i];
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  }
  size_t DigitRun(size_t i) const {
    size_t n = 0;
    while (Digit(i + n)) ++n;
    return n;
  }
  // [eE][+-]?\d+ at i: the end of its digits, or npos.
  size_t ExponentEnd(size_t i) const {
    if (s_[i] != 'e' && s_[i] != 'E') return npos;
    size_t pos = i + 1;
    if (s_[pos] == '+' || s_[pos] == '-') ++pos;
    return Digit(pos) ? pos + DigitRun(pos) : npos;
  }

  const std::string& s_;  // s_[size()] is '\0', so one past the end reads as a non-match
};

std::vector<std::string> ExtractNumbers(const std::string& text) {
  const std::u32string points = CodePoints(text);
  std::string image;
  image.reserve(points.size());
  for (char32_t c : points)
    image.push_back(c < 0x80 ? static_cast<char>(c) : PyIsDecimal(c) ? '5' : PyIsWord(c) ? 'a' : '#');
  const NumberScanner scan(image);
  std::vector<std::string> numbers;
  for (auto pattern : {&NumberScanner::Commas, &NumberScanner::Scientific, &NumberScanner::Simple})
    for (size_t i = 0; i < image.size();) {
      const size_t end = (scan.*pattern)(i);
      if (end == NumberScanner::npos) {
        i = pattern == &NumberScanner::Commas ? i + 1 : scan.NextStart(i);
        continue;
      }
      numbers.push_back(Utf8(std::u32string_view(points).substr(i, end - i)));
      i = end;
    }
  return numbers;
}

// get_key_subresponses. The split pattern r'\.\s(?=[A-Z])|\n' runs on lowercased text, so only
// its newline alternative can match.
std::vector<std::string> KeySubresponses(const std::string& raw) {
  const std::string response = PyLower(StripChar(PyStrip(raw), '.'));
  std::vector<std::string> indicators = {"could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result "};
  std::vector<std::string> keys;
  const std::vector<std::string> parts = PySplit(response, "\n");
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 == parts.size()) indicators.push_back("=");  // the last part may be an equation
    std::optional<std::string> shortest;
    for (const std::string& indicator : indicators) {
      if (!Contains(parts[i], indicator)) continue;
      std::string tail = PyStrip(PyAfterLast(parts[i], indicator));
      // `if not shortest_key_response`: an empty tail found first is replaced by the next one
      if (!shortest || shortest->empty() || PyLen(tail) < PyLen(*shortest)) shortest = tail;
    }
    static const std::vector<std::string> kTrivial = {":", ",", ".", "!", "?", ";", "'"};
    if (shortest && !shortest->empty() &&
        std::find(kTrivial.begin(), kTrivial.end(), PyStrip(*shortest)) == kTrivial.end())
      keys.push_back(*shortest);
  }
  if (keys.empty()) return {response};
  return keys;
}

// eval_open over already parsed predictions: a text prediction matches when it contains a
// normalized gold text, a number when it equals a normalized gold number.
bool EvalOpen(const std::string& gold, const std::vector<MmmuOpenItem>& predictions) {
  const std::vector<MmmuOpenItem> answers = Normalize(gold);
  for (const MmmuOpenItem& p : predictions)
    for (const MmmuOpenItem& a : answers) {
      if (const auto* text = std::get_if<std::string>(&p)) {
        if (const auto* gold_text = std::get_if<std::string>(&a); gold_text && Contains(*text, *gold_text)) return true;
      } else if (const auto* gold_number = std::get_if<double>(&a); gold_number && *gold_number == std::get<double>(p)) {
        return true;
      }
    }
  return false;
}

}  // namespace

std::string MmmuCut(const std::string& response) {
  std::string cut = Contains(response, "<answer>") ? ExtractTag(response, "answer") : response;
  if (std::string boxed = ExtractBoxed(cut); boxed != "None") cut = boxed;
  return cut;
}

std::string MmmuChoiceLetter(const std::vector<std::string>& choices, const std::string& raw, bool fixed) {
  std::vector<std::string> letters, texts;  // all_choices, index2ans
  for (const std::string& c : choices) {
    const size_t dot = c.find(". ");
    HM_CHECK(dot != std::string::npos && dot > 0, "MMMU choice \"", c, "\": expected \"LETTER. text\"");
    letters.push_back(c.substr(0, dot));
    texts.push_back(c.substr(dot + 2));
  }
  std::string response = raw;
  if (Contains(response, "<answer>")) response = ExtractTag(response, "answer");
  else if (Contains(response, "\\boxed")) response = ExtractBoxed(response);
  response = PyStrip(response);
  for (char ch : {',', '.', '!', '?', ';', ':', '\''}) response = StripChar(response, ch);
  response = " " + response + " ";  // no partial matches at the ends

  std::vector<size_t> candidates;
  bool by_letter = true, bracketed = false;
  for (size_t i = 0; i < letters.size(); ++i)
    if (Contains(response, "(" + letters[i] + ")")) {
      candidates.push_back(i);
      bracketed = true;
    }
  if (candidates.empty())
    for (size_t i = 0; i < letters.size(); ++i)
      if (Contains(response, " " + letters[i] + " ")) candidates.push_back(i);
  const std::string lowered = PyLower(response);
  if (candidates.empty() && PySplit(response).size() > 5)
    for (size_t i = 0; i < texts.size(); ++i)
      if (Contains(lowered, PyLower(texts[i]))) {
        candidates.push_back(i);
        by_letter = false;
      }
  if (candidates.empty()) {
    if (fixed || letters.empty()) return "";
    return letters[Fnv1a(raw) % letters.size()];  // MMMU: random.choice(all_choices)
  }
  // Several: the one mentioned last (np.argmax: the first of equal positions).
  size_t best = candidates[0];
  long best_at = -2;
  for (size_t i : candidates) {
    const std::string& hay = by_letter ? response : lowered;
    const std::string needle = !by_letter ? PyLower(texts[i]) : bracketed ? "(" + letters[i] + ")" : " " + letters[i] + " ";
    const size_t at = hay.rfind(needle);
    const long position = at == std::string::npos ? -1 : static_cast<long>(at);
    if (position > best_at) {
      best_at = position;
      best = i;
    }
  }
  return letters[best];
}

std::vector<MmmuOpenItem> MmmuParseOpen(const std::string& response) {
  const std::vector<std::string> keys = KeySubresponses(response);
  std::vector<std::string> predictions = keys;
  for (const std::string& key : keys)
    for (std::string& number : ExtractNumbers(key)) predictions.push_back(std::move(number));
  std::vector<MmmuOpenItem> items;
  for (const std::string& p : predictions)
    for (MmmuOpenItem& item : Normalize(p)) items.push_back(std::move(item));
  return items;
}

bool MmmuJudgeOpen(const std::string& gold, const std::string& response, bool fixed) {
  if (fixed) return EvalOpen(gold, MmmuParseOpen(response));
  std::vector<MmmuOpenItem> characters;  // `for pred in pred_i` over the response string
  for (char32_t c : CodePoints(response)) characters.emplace_back(Utf8(std::u32string(1, c)));
  return EvalOpen(gold, characters);
}

}  // namespace hm::eval
