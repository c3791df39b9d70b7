// `hulumed data dedup`: drops exact duplicates (same conversation text and byte-identical
// media), near duplicates (same text, every image within a perceptual-hash distance), and
// records contaminated by evaluation sets (an image within the distance of an eval image, or
// a word n-gram shared with an eval record's text). Kept records go to `out`; every dropped
// one goes to `dropped` with where it was and why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hm {

struct DedupOptions {
  std::vector<std::string> files;       // training data, in priority order (first copy kept)
  std::vector<std::string> eval_files;  // evaluation sets to decontaminate against
  std::string out;                      // kept records (.jsonl); media paths rebased to its folder
  std::string dropped;                  // default: out with .dropped.jsonl
  int max_hash_distance = 4;            // of 64 dHash bits; 0..7
  // Word n-grams (lower-cased alphanumeric runs) compared with the eval text. Texts shorter than
  // n words are compared by their images only: short template questions are not leaks.
  int ngram = 13;
};

struct DedupSummary {
  int64_t records = 0, kept = 0;
  int64_t unreadable = 0, exact = 0, near = 0, eval_image = 0, eval_text = 0;
};

DedupSummary Dedup(const DedupOptions& options);

}  // namespace hm
