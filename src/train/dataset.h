// A data source's records, read and checked up front: every bad record is reported by file
// and line with its reason and skipped (or, strict, stops the run), so a training run never
// dies hours in on a typo in one sample.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "train/recipe.h"
#include "train/train_record.h"

namespace hm {

struct BadRecord {
  std::string where;   // file:line
  std::string reason;  // the full message, starting with `where`
};

struct DatasetOptions {
  bool strict = false;  // the first bad record throws instead of being skipped
  int64_t max_length = 0;  // samples longer than this many tokens are bad; 0: no limit
  // Tokens a record will take (text and visual); required when max_length is set. Called for
  // every record when given, so what it throws (an undecodable image) marks the record bad.
  std::function<int64_t(const TrainRecord&)> length;
  // Called once with every structurally good record before `length` is asked about them:
  // lets the model measure them all at once (in parallel).
  std::function<void(std::span<const TrainRecord>)> prepare;
  // Why a media item cannot be used, or nullopt. Default: MediaExists.
  std::function<std::optional<std::string>(const MediaRef&)> check_media;
  // A pack must have been tokenized with this model folder's tokenizer and chat template
  // (empty: not checked).
  std::string model_dir;
};

class PackedSource;

struct Dataset {
  std::string path;
  std::vector<TrainRecord> records;          // a data file's usable records
  std::shared_ptr<const PackedSource> pack;  // or a pack's, read from its shards when drawn
  std::vector<BadRecord> skipped;

  int64_t size() const;  // usable records
  TrainRecord Record(int64_t index) const;
};

// A .json array of records (line = where the record starts) or JSONL (one per line; blank
// lines ignored), read by the data tools' reader (data/data_file.h). An unreadable file or a
// .json file that is not an array throws; a record that is not valid JSON is a bad record.
// A pack (train/packed_source.h: a shard folder or its index.json) is checked the same way
// and read as it is drawn; `prepare` and `length` are not called for it (its samples are
// already tokens).
Dataset ReadDataset(const DataSource& source, const DatasetOptions& options);

// The existence check used until media are decoded at validation time.
std::optional<std::string> MediaExists(const MediaRef& media);

}  // namespace hm
