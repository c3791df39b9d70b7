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
RougeScores PltrdyRouge(std::string_view hypothesis, std::string_view reference);

}  // namespace hm::eval
