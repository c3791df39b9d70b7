#include "eval/rouge.h"

#include <set>
#include <string>
#include <vector>

#include "eval/py_str.h"
#include "eval/python_error.h"

namespace hm::eval {
namespace {

using Words = std::vector<std::string>;

// [" ".join(_.split()) for _ in text.split(".") if len(_) > 0]
std::vector<std::string> Sentences(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& piece : PySplit(text, ".")) {
    if (piece.empty()) continue;
    std::string joined;
    for (const std::string& w : PySplit(piece)) {
      if (!joined.empty()) joined += ' ';
      joined += w;
    }
    out.push_back(joined);
  }
  return out;
}

Words SplitIntoWords(const std::vector<std::string>& sentences) {
  Words words;
  for (const std::string& s : sentences)
    for (std::string& w : PySplit(s, " ")) words.push_back(std::move(w));
  return words;
}

std::set<Words> NgramSet(const Words& words, size_t n) {
  std::set<Words> out;
  for (size_t i = 0; i + n <= words.size(); ++i) out.emplace(words.begin() + i, words.begin() + i + n);
  return out;
}

double FScore(double precision, double recall) { return 2.0 * ((precision * recall) / (precision + recall + 1e-8)); }

double RougeN(const std::vector<std::string>& hyp, const std::vector<std::string>& ref, size_t n) {
  std::set<Words> h = NgramSet(SplitIntoWords(hyp), n), r = NgramSet(SplitIntoWords(ref), n);
  size_t overlap = 0;
  for (const Words& g : h) overlap += r.count(g);
  double precision = h.empty() ? 0.0 : static_cast<double>(overlap) / static_cast<double>(h.size());
  double recall = r.empty() ? 0.0 : static_cast<double>(overlap) / static_cast<double>(r.size());
  return FScore(precision, recall);
}

// _recon_lcs(x, y): the words of one LCS, following the package's tie-breaking (diagonal on
// equal words, else up only when strictly longer, else left); *steps is the path length.
std::set<std::string> LcsWords(const Words& x, const Words& y, size_t* steps) {
  size_t n = x.size(), m = y.size();
  std::vector<std::vector<int>> table(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j)
      table[i][j] = x[i - 1] == y[j - 1] ? table[i - 1][j - 1] + 1 : std::max(table[i - 1][j], table[i][j - 1]);
  std::set<std::string> out;
  size_t i = n, j = m;
  *steps = 0;
  for (; i > 0 && j > 0; ++*steps) {
    if (x[i - 1] == y[j - 1]) {
      out.insert(x[i - 1]);
      --i;
      --j;
    } else if (table[i - 1][j] > table[i][j - 1]) {
      --i;
    } else {
      --j;
    }
  }
  return out;
}

constexpr int kDeepestPythonFrame = 1000;

double RougeLSummary(const std::vector<std::string>& hyp, const std::vector<std::string>& ref, int recon_depth) {
  Words ref_words = SplitIntoWords(ref), hyp_words = SplitIntoWords(hyp);
  size_t m = std::set<std::string>(ref_words.begin(), ref_words.end()).size();
  size_t n = std::set<std::string>(hyp_words.begin(), hyp_words.end()).size();
  std::set<std::string> lcs_union;
  for (const std::string& r : ref) {
    Words rw = PySplit(r, " ");
    for (const std::string& h : hyp) {
      size_t steps = 0;
      lcs_union.merge(LcsWords(rw, PySplit(h, " "), &steps));
      if (recon_depth > 0 && static_cast<size_t>(recon_depth) + steps > kDeepestPythonFrame)
        throw PythonError("RecursionError", "maximum recursion depth exceeded in comparison");
    }
  }
  double llcs = static_cast<double>(lcs_union.size());
  double r_lcs = llcs / static_cast<double>(m), p_lcs = llcs / static_cast<double>(n);
  return FScore(p_lcs, r_lcs);
}

}  // namespace

RougeScores PltrdyRouge(std::string_view hypothesis, std::string_view reference, int recon_depth) {
  std::vector<std::string> hyp = Sentences(hypothesis), ref = Sentences(reference);
  if (hyp.empty()) throw PythonError("ValueError", "Hypothesis is empty.");
  if (ref.empty()) throw PythonError("ValueError", "Reference is empty.");
  return {RougeN(hyp, ref, 1), RougeN(hyp, ref, 2), RougeLSummary(hyp, ref, recon_depth)};
}

}  // namespace hm::eval
