// Sentence BLEU as NLTK 3.8's sentence_bleu computes it for one reference: clipped n-gram
// precisions kept as fractions, brevity penalty against the reference length, 0 when no
// unigram matches, then bp * exp(fsum(w_i * log p_i)). Smoothing method0 (NLTK's default:
// a zero precision becomes the smallest double) or method1 (0.1 / count).
#pragma once

#include <string>
#include <vector>

namespace hm::eval {

enum class BleuSmoothing { kMethod0, kMethod1 };

double SentenceBleu(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis,
                    const std::vector<double>& weights, BleuSmoothing smoothing);

// math.fsum: the correctly rounded sum (CPython's Shewchuk partials with its half-even fix-up).
double PyFsum(const std::vector<double>& values);

}  // namespace hm::eval
