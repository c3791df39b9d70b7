#include "eval/chance_level.h"

#include <algorithm>
#include <map>

#include "eval/answer_match.h"

namespace hm::eval {

ChanceLevel ChanceOf(const std::vector<const EvalSample*>& family) {
  std::map<std::string, std::map<std::string, int>> counts;  // kind -> answer -> samples
  for (const EvalSample* s : family)
    if (s->kind != "report") ++counts[s->kind][NormalizeAnswer(s->answer)];
  double uniform_sum = 0;
  int most_common_sum = 0, n = 0;
  for (const EvalSample* s : family) {
    if (s->kind == "report") continue;
    const size_t options = s->kind == "multi_choice" ? s->choices.size()
                           : s->kind == "judgement"  ? 2  // yes or no, whichever the set happens to hold
                                                     : counts[s->kind].size();
    uniform_sum += 1.0 / static_cast<double>(std::max<size_t>(options, 1));
    ++n;
  }
  for (const auto& [kind, answers] : counts) {
    int most = 0;
    for (const auto& [answer, count] : answers) most = std::max(most, count);
    most_common_sum += most;
  }
  if (n == 0) return {};
  return {uniform_sum / n, static_cast<double>(most_common_sum) / n};
}

}  // namespace hm::eval
