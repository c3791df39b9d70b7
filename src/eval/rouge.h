// ROUGE-1/2/L F-scores as the pltrdy `rouge` package (1.0.1, Rouge().get_scores) computes
// them: the text is cut into sentences at every '.', words are split on single spaces after
// whitespace runs collapse, n-grams are counted as SETS (each distinct n-gram once, across
// sentence borders), and ROUGE-L is the summary-level union LCS over distinct words, with
// the package's own LCS back-tracking. F = 2PR / (P + R + 1e-8).
#pragma once

#include <string_view>

namespace hm::eval {

struct RougeScores {
  double rouge1 = 0, rouge2 = 0, rougel = 0;
};

// Throws PythonError("ValueError", "Hypothesis is empty.") / "Reference is empty." when a
// side has no sentence (empty or only '.'), as the package does.
//
// The package back-tracks each sentence pair's LCS recursively, one Python frame per step,
// so a long sentence pair exceeds CPython's recursion limit (1000) and raises RecursionError.
// recon_depth > 0 reproduces that: it is the stack depth of the first back-tracking frame in
// the caller's program (MedUniEval's eval.py: 13, cal_report_metrics.py: 8); an error is
// raised when recon_depth + steps reaches 1001, as measured on CPython 3.11.
RougeScores PltrdyRouge(std::string_view hypothesis, std::string_view reference, int recon_depth = 0);

}  // namespace hm::eval
