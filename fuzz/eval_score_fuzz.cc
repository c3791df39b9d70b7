// Scoring arbitrary responses: every rule family in both modes must return a verdict (an
// error verdict is fine in compat) and never crash. Input: first byte picks the kind, then
// answer, response and choices separated by 0x1F.
#include <cstdint>
#include <string>
#include <vector>

#include "eval/rules.h"
#include "text/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  hm::eval::ScoreInput in;
  in.kind = static_cast<hm::eval::RuleKind>(data[0] % 7);
  std::vector<std::string> parts(1);
  for (size_t i = 1; i < size; ++i) {
    if (data[i] == 0x1F) parts.emplace_back();
    else parts.back() += static_cast<char>(data[i]);
  }
  for (std::string& p : parts) p = hm::RepairUtf8(p);  // as ParseScoreInput does
  in.answer = parts[0];
  if (parts.size() > 1) in.response = parts[1];
  for (size_t i = 2; i < parts.size(); ++i) in.choices.push_back(parts[i]);
  for (auto scoring : {hm::eval::Scoring::kCompat, hm::eval::Scoring::kFixed}) {
    hm::eval::Verdict v = hm::eval::ScoreResponse(in, scoring);
    if (scoring == hm::eval::Scoring::kFixed && !v.error.empty()) __builtin_trap();
  }
  return 0;
}
