// NLTK 3.8's PorterStemmer in its default NLTK_EXTENSIONS mode (the stemmer METEOR's
// second matching stage uses): the original five steps plus NLTK's irregular-form pool,
// words of one or two letters left alone, and its changes to steps 1a, 1b, 1c and 2.
#pragma once

#include <string>
#include <string_view>

namespace hm::eval {

std::string PorterStem(std::string_view word);

}  // namespace hm::eval
