#include "eval/wordnet.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "eval/py_str.h"

namespace hm::eval {
namespace {

constexpr const char* kSuffix[] = {"noun", "verb", "adj", "adv"};
constexpr char kPosLetter[] = {'n', 'v', 'a', 'r'};

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  HM_CHECK(f, "cannot read WordNet file ", path,
           " (install Debian's wordnet-base, or set HULUMED_WORDNET_DIR to a WordNet 3.0 dict folder)");
  std::string text(static_cast<size_t>(f.tellg()), '\0');
  f.seekg(0);
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  HM_CHECK(f, "cannot read WordNet file ", path);
  return text;
}

// NLTK's MORPHOLOGICAL_SUBSTITUTIONS, in its order.
const std::vector<std::pair<std::string, std::string>>& Substitutions(int pos) {
  static const std::vector<std::pair<std::string, std::string>> table[] = {
      {{"s", ""}, {"ses", "s"}, {"ves", "f"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"},
       {"men", "man"}, {"ies", "y"}},
      {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"}, {"ing", ""}},
      {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
      {}};
  return table[pos];
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The index files are ASCII with single-space separated fields.
std::vector<std::string_view> AsciiFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\r' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\r' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool ParseCount(std::string_view text, size_t* value) {
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return err == std::errc() && end == text.data() + text.size();
}

}  // namespace

WordNet::WordNet(const std::string& dir) {
  index_.reserve(160000);  // WordNet 3.0 has 147,306 lemmas
  for (int pos = 0; pos < kPosCount; ++pos) {
    // index.<pos> line: lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt offsets...
    const std::string index = ReadFile(dir + "/index." + kSuffix[pos]);
    for (std::string_view line : SplitLines(index)) {
      if (line.empty() || line[0] == ' ') continue;
      std::vector<std::string_view> f = AsciiFields(line);
      size_t synsets = 0, pointers = 0;
      bool ok = f.size() >= 4 && ParseCount(f[2], &synsets) && ParseCount(f[3], &pointers) &&
                f.size() >= 6 + pointers + synsets && f[1].size() == 1;
      int letter_pos = -1;
      for (int p = 0; ok && p < kPosCount; ++p)
        if (f[1][0] == kPosLetter[p]) letter_pos = p;
      HM_CHECK(ok && letter_pos >= 0, "WordNet index.", kSuffix[pos], ": bad line '", line, "'");
      std::vector<uint32_t>& offsets = index_[std::string(f[0])][letter_pos];
      offsets.clear();
      for (size_t i = 0; i < synsets; ++i) {
        size_t offset = 0;
        HM_CHECK(ParseCount(f[6 + pointers + i], &offset), "WordNet index.", kSuffix[pos], ": bad offset in '", line, "'");
        offsets.push_back(static_cast<uint32_t>(offset));
      }
    }
    const std::string exc = ReadFile(dir + "/" + kSuffix[pos] + ".exc");
    for (std::string_view line : SplitLines(exc)) {
      std::vector<std::string> terms = PySplit(line);
      if (terms.empty()) continue;
      exceptions_[pos][terms[0]] = std::vector<std::string>(terms.begin() + 1, terms.end());
    }
    data_[pos] = ReadFile(dir + "/data." + kSuffix[pos]);
  }
}

const WordNet& WordNet::Default() {
  static const WordNet wordnet([] {
    const char* dir = std::getenv("HULUMED_WORDNET_DIR");
    return std::string(dir && *dir ? dir : "/usr/share/wordnet");
  }());
  return wordnet;
}

bool WordNet::HasForm(const std::string& form, int pos) const {
  auto it = index_.find(form);
  return it != index_.end() && !it->second[pos].empty();
}

std::vector<std::string> WordNet::Morphy(const std::string& form, int pos) const {
  auto filter = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> out;
    for (const std::string& f : forms)
      if (HasForm(f, pos) && std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    return out;
  };
  auto apply_rules = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> out;
    for (const std::string& f : forms)
      for (const auto& [old_end, new_end] : Substitutions(pos))
        if (f.size() >= old_end.size() && f.compare(f.size() - old_end.size(), old_end.size(), old_end) == 0)
          out.push_back(f.substr(0, f.size() - old_end.size()) + new_end);
    return out;
  };
  auto exc = exceptions_[pos].find(form);
  if (exc != exceptions_[pos].end()) {
    std::vector<std::string> forms{form};
    forms.insert(forms.end(), exc->second.begin(), exc->second.end());
    return filter(forms);
  }
  std::vector<std::string> forms = apply_rules({form});
  std::vector<std::string> first{form};
  first.insert(first.end(), forms.begin(), forms.end());
  std::vector<std::string> results = filter(first);
  if (!results.empty()) return results;
  while (!forms.empty()) {
    // NLTK keeps duplicate forms here, which grow exponentially on tokens like "eseses...";
    // only the set of forms decides the result (lemma names are collected into a set).
    forms = apply_rules(forms);
    std::unordered_set<std::string> seen;
    std::erase_if(forms, [&](const std::string& f) { return !seen.insert(f).second; });
    results = filter(forms);
    if (!results.empty()) return results;
  }
  return {};
}

void WordNet::AddSynsetLemmas(int pos, uint32_t offset, std::unordered_set<std::string>& out) const {
  const std::string& data = data_[pos];
  HM_CHECK(offset < data.size(), "WordNet data.", kSuffix[pos], ": offset ", offset, " past the end");
  size_t end = data.find('\n', offset);
  std::string_view line(data.data() + offset, (end == std::string::npos ? data.size() : end) - offset);
  line = line.substr(0, line.find('|'));
  std::vector<std::string> fields = PySplit(line);
  // offset, lexicographer file, synset type, word count (hex), then (word, lex_id) pairs
  HM_CHECK(fields.size() >= 4, "WordNet data.", kSuffix[pos], ": bad synset at ", offset);
  size_t words = std::stoul(fields[3], nullptr, 16);
  for (size_t i = 0; i < words && 4 + 2 * i < fields.size(); ++i) {
    std::string name = fields[4 + 2 * i];
    // NLTK's (.*?)(\(.*\))?$ : a trailing "(...)" from the first '(' is a syntactic marker.
    size_t paren = name.find('(');
    if (paren != std::string::npos && name.back() == ')') name.resize(paren);
    out.insert(std::move(name));
  }
}

std::unordered_set<std::string> WordNet::LemmaNames(std::string_view word) const {
  std::string lemma = PyLower(word);
  std::unordered_set<std::string> out;
  for (int pos = 0; pos < kPosCount; ++pos)
    for (const std::string& form : Morphy(lemma, pos))
      for (uint32_t offset : index_.at(form)[pos]) AddSynsetLemmas(pos, offset, out);
  return out;
}

}  // namespace hm::eval
