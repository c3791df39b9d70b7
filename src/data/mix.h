// `hulumed data mix`: a training mixture drawn from several data files. Each source gets
// total * weight / sum(weights) records (largest remainder, so they add up to total), drawn
// from a seeded shuffle of its records, at most `cap` of them; a source with fewer records
// than its share is repeated (upsampled). Records of a rare modality can be weighted up
// within their source (a factor of 2.5 gives two copies, and a third with probability 0.5).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hm {

struct MixSource {
  std::string path;
  std::string name;  // recorded as "source" where a record has none; default: the file stem
  double weight = 1;
  std::optional<int64_t> cap;
};

// "PATH:WEIGHT" or "PATH:WEIGHT:CAP"; throws hm::Error naming `spec` when malformed.
MixSource ParseMixSource(const std::string& spec);

struct MixOptions {
  std::vector<MixSource> sources;
  int64_t total = 0;
  uint64_t seed = 0;
  std::map<std::string, double> upsample;  // modality -> factor (>= 1)
  std::string out;  // output .jsonl; media paths are rewritten relative to its folder
};

struct MixReport {
  std::string name;
  int64_t available = 0;  // parsed records in the file
  int64_t pool = 0;       // after the cap and modality upsampling
  int64_t drawn = 0;      // its share of the total
  int64_t repeated = 0;   // draws beyond one pass over the pool
};

std::vector<MixReport> MixData(const MixOptions& options);

}  // namespace hm
