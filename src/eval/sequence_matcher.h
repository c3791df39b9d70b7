// difflib.SequenceMatcher(None, a, b).ratio() as CPython computes it, on code points:
// b's elements that occur more than len(b)//100 + 1 times are "popular" when len(b) >= 200
// (autojunk) and only join a match by extending one, exactly as find_longest_match does.
// MedUniEval's multiple-choice fallback picks the option most similar to the response.
#pragma once

#include <string_view>

namespace hm::eval {

double SequenceMatcherRatio(std::u32string_view a, std::u32string_view b);

}  // namespace hm::eval
