// Splitting a benchmark across processes, as MedUniEval's chunks do (sample i belongs to
// chunk i % N), and putting the pieces back together.
#pragma once

#include <cstdint>
#include <string>

namespace hm::eval {

struct Shard {
  int index = 0;
  int count = 1;
  bool Contains(int64_t sample_index) const { return sample_index % count == index; }
  // "STEM.jsonl" for a whole run, "STEM.shard-I-of-N.jsonl" for a shard (STEM: ResponsesStem).
  std::string ResponsesFile(const std::string& stem = "responses") const;
};

// "I/N" with 0 <= I < N; an empty text means the MPI rank and size from the environment
// (Open MPI, MPICH/PMI), else the whole benchmark.
Shard ParseShard(const std::string& text);

// Rewrites a response file in canonical form: sorted by sample index, one record per id
// (the first), keys sorted. A whole run ends with this, so it and a merge of shards give the
// same bytes.
void CanonicalizeResponses(const std::string& path);

// Combines STEM.shard-I-of-N.jsonl (I = 0..N-1, all required) in `dir` into STEM.jsonl, ordered by sample index, one record per id (a rerun shard's duplicate
// keeps the first). Returns the number of records written.
int64_t MergeShards(const std::string& dir, int count, const std::string& stem = "responses");

}  // namespace hm::eval
