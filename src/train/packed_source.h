// A pack (`hulumed data pack`'s token shards) as a stage's data source. Checked up front as a
// data file is: the records the pack skipped, samples over the maximum length and samples
// whose media are gone are reported by file:line (or stop a strict run); an unfinished pack,
// or one made for another tokenizer or chat template, is an error. Then read sample by sample
// from the shards as it is drawn, so a pack of any size trains in bounded memory. Its usable
// samples are numbered in pack order, as a data file's good records are, so the sampler draws
// the same samples from a pack as from the file it was packed from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/dataset.h"
#include "train/token_shards.h"

namespace hm {

class PackedSource {
 public:
  // `dir`: the shard folder. Bad samples are appended to `skipped`.
  PackedSource(const std::string& dir, const DatasetOptions& options, std::vector<BadRecord>* skipped);

  int64_t size() const { return reader_.size() - static_cast<int64_t>(unused_.size()); }
  // The index-th usable sample: its packed tokens and its media references.
  TrainRecord Record(int64_t index) const;

 private:
  TrainRecord Read(int64_t sample) const;  // by its number in the pack

  TokenShardReader reader_;
  std::vector<int64_t> unused_;  // pack sample numbers left out, ascending
};

// Whether a data source names a pack: its shard folder or that folder's index.json.
bool IsPack(const std::string& path);
// The shard folder a pack's source names.
std::string PackDir(const std::string& path);

}  // namespace hm
