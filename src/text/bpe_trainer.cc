#include "text/bpe_trainer.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "core/error.h"
#include "text/pre_tokenizer.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace hm {
namespace {

uint64_t PairKey(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
int32_t LeftOf(uint64_t key) { return static_cast<int32_t>(key >> 32); }
int32_t RightOf(uint64_t key) { return static_cast<int32_t>(key & 0xffffffffu); }

// A distinct piece as its current symbols, weighted by how often the corpus has it.
struct Word {
  std::vector<int32_t> symbols;
  int64_t count;
};

// Heap entry: the most frequent pair first, ties to the smaller (left, right) ids.
struct Candidate {
  int64_t count;
  uint64_t pair;
  bool operator<(const Candidate& o) const { return count != o.count ? count < o.count : pair > o.pair; }
};

void AddPairs(const Word& w, int64_t sign, std::unordered_map<uint64_t, int64_t>& delta) {
  for (size_t i = 0; i + 1 < w.symbols.size(); ++i) delta[PairKey(w.symbols[i], w.symbols[i + 1])] += sign * w.count;
}

// Replaces each (a, b), left to right without overlap, by `merged`; false if there was none.
bool MergeInWord(std::vector<int32_t>& s, int32_t a, int32_t b, int32_t merged) {
  size_t out = 0;
  for (size_t i = 0; i < s.size();) {
    if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
      s[out++] = merged;
      i += 2;
    } else {
      s[out++] = s[i++];
    }
  }
  const bool changed = out != s.size();
  s.resize(out);
  return changed;
}

std::vector<AddedToken> Unnumbered(const std::vector<std::string>& contents) {
  std::vector<AddedToken> tokens;
  for (const std::string& content : contents) tokens.push_back({.content = content, .id = 0});
  return tokens;
}

}  // namespace

BpeCorpus::BpeCorpus(const std::vector<std::string>& added) : added_(Unnumbered(added)) {}

void BpeCorpus::Add(std::string_view text) {
  std::string repaired;
  if (!IsValidUtf8(text)) {
    repaired = RepairUtf8(text);
    text = repaired;
  }
  text_bytes_ += static_cast<int64_t>(text.size());
  added_.Split(
      text,
      [&](size_t begin, size_t end) {
        const std::string normalized = NfcNormalize(text.substr(begin, end - begin));
        SplitQwen(normalized, [&](size_t b, size_t e) { ++counts_[normalized.substr(b, e - b)]; });
      },
      [](int32_t) {});
}

BpeVocabulary TrainBpe(const BpeCorpus& corpus, const BpeTrainOptions& options) {
  HM_CHECK(options.vocab_size >= 256, "BPE vocabulary size ", options.vocab_size,
           " is below the 256 byte tokens it must hold");
  BpeVocabulary vocab;
  std::unordered_map<std::string, int32_t> id_of;
  for (int b = 0; b < 256; ++b) {
    vocab.tokens.emplace_back(1, static_cast<char>(b));
    id_of.emplace(vocab.tokens.back(), b);
  }

  std::vector<Word> words;
  std::unordered_map<uint64_t, int64_t> pair_counts;
  std::unordered_map<uint64_t, std::vector<int32_t>> pair_words;  // may list a word twice or stale
  for (const auto& [piece, count] : corpus.piece_counts()) {
    if (piece.size() < 2) continue;  // no pair to learn from
    Word w{{}, count};
    for (const char c : piece) w.symbols.push_back(static_cast<uint8_t>(c));
    const int32_t index = static_cast<int32_t>(words.size());
    for (size_t i = 0; i + 1 < w.symbols.size(); ++i) {
      const uint64_t key = PairKey(w.symbols[i], w.symbols[i + 1]);
      pair_counts[key] += count;
      pair_words[key].push_back(index);
    }
    words.push_back(std::move(w));
  }
  std::priority_queue<Candidate> heap;
  for (const auto& [key, count] : pair_counts) heap.push({count, key});

  // Entries go stale as merges change counts: a popped entry whose count is out of date is
  // pushed back with the current count, and every increase pushes a fresh entry.
  while (static_cast<int32_t>(vocab.tokens.size()) < options.vocab_size && !heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    const auto found = pair_counts.find(top.pair);
    const int64_t current = found == pair_counts.end() ? 0 : found->second;
    if (current != top.count) {
      if (current > 0) heap.push({current, top.pair});
      continue;
    }
    if (current < options.min_pair_count) break;

    const int32_t a = LeftOf(top.pair), b = RightOf(top.pair);
    std::string bytes = vocab.tokens[a] + vocab.tokens[b];
    vocab.merges.emplace_back(vocab.tokens[a], vocab.tokens[b]);
    // Two merges can spell the same bytes ("ab"+"c", "a"+"bc"); they share the token, as in HF.
    auto [it, is_new] = id_of.emplace(bytes, static_cast<int32_t>(vocab.tokens.size()));
    if (is_new) vocab.tokens.push_back(std::move(bytes));
    const int32_t merged = it->second;

    std::vector<int32_t> touched = std::move(pair_words[top.pair]);
    pair_words.erase(top.pair);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    std::unordered_map<uint64_t, int64_t> delta;
    for (const int32_t index : touched) {
      Word& w = words[index];
      Word before{w.symbols, w.count};
      if (!MergeInWord(w.symbols, a, b, merged)) continue;
      AddPairs(before, -1, delta);
      AddPairs(w, +1, delta);
      for (size_t i = 0; i + 1 < w.symbols.size(); ++i)
        if (w.symbols[i] == merged || w.symbols[i + 1] == merged)
          pair_words[PairKey(w.symbols[i], w.symbols[i + 1])].push_back(index);
    }
    for (const auto& [key, change] : delta) {
      if (change == 0) continue;
      const int64_t now = pair_counts[key] += change;
      if (now <= 0) {
        pair_counts.erase(key);
      } else if (change > 0) {
        heap.push({now, key});
      }
    }
    if (is_new && options.progress && vocab.tokens.size() % 256 == 0)
      options.progress(static_cast<int32_t>(vocab.tokens.size()));
  }
  return vocab;
}

}  // namespace hm
