// Pre-tokenized training samples in shards a trainer streams from (`hulumed data pack`).
// A shard directory holds, for shard k (name "shard-KKKKK"):
//   shard-KKKKK.ids.npy      int32 [T]    token ids of the shard's samples, concatenated; each
//                                          visual token kept by token reduction has its own
//                                          image-token slot
//   shard-KKKKK.labels.npy   uint8 [T]    1 where the token is a training target (its label is
//                                          its own id, shifted by the loss as usual), else 0
//   shard-KKKKK.offsets.npy  int64 [N+1]  sample i is tokens [offsets[i], offsets[i+1])
//   shard-KKKKK.media.jsonl  N lines      {"where": "file:line", "media": {"media_root": folder,
//                                          and the record's "image"/"video"/"volume" field} or {},
//                                          "kept": ["0110...", ...]}: per media item, one digit per
//                                          visual token, 1 where token reduction kept it
// and index.json, replaced atomically after a shard's files are on disk, so it lists only
// complete shards:
//   {"format": "hulumed-token-shards", "version": 1, "identity": {...what made the tokens...},
//    "shards": [{"name", "samples", "tokens", "records_read"}], "skipped": [{"where", "reason"}],
//    "records_read": R, "complete": true once every input record is in}
// records_read counts input records (skipped ones too) consumed up to the end of that shard, or
// for the whole index: a resumed run skips R records and continues. Files of a shard missing from the index are
// leftovers of an interrupted run and are overwritten.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/chat_labels.h"

namespace hm {

struct PackedSample {
  std::string where;  // the record's file:line
  LabelledTokens tokens;
  nlohmann::json media = nlohmann::json::object();  // where the trainer loads the pixels from
  std::vector<std::vector<uint8_t>> kept;  // per media item, 1 per visual token kept
};

struct ShardInfo {
  std::string name;
  int64_t samples = 0, tokens = 0, records_read = 0;
};

struct SkippedRecord {
  std::string where, reason;
};

// A file's content hash as hex: how an index's identity names the files the tokens came from.
std::string FileFingerprint(const std::string& path);

// What beside its inputs decides a pack's tokens: the tokenizer and chat template of a model
// folder, as {"tokenizer", "chat_template"} in the index's identity. The trainer compares it
// with its start model's, so a pack made for another vocabulary is refused, not trained on.
nlohmann::json TokenizerIdentity(const std::string& model_dir);

class TokenShardWriter {
 public:
  // Resumes the index in `dir` when its identity equals `identity` (hm::Error when it differs:
  // the shards there were made from other inputs or another tokenizer). A shard is closed once
  // it holds at least shard_tokens tokens.
  TokenShardWriter(std::string dir, nlohmann::json identity, int64_t shard_tokens);

  // Input records covered by complete shards (skip them when resuming), and whether the
  // index says every record is in.
  int64_t records_done() const { return records_read_; }
  bool complete() const { return complete_; }
  const std::vector<ShardInfo>& shards() const { return shards_; }

  void Add(PackedSample sample);
  void Skip(SkippedRecord record);
  // Writes the open shard and marks the index complete.
  void Finish();

 private:
  void CloseShard();
  void WriteIndex() const;

  std::string dir_;
  nlohmann::json identity_;
  int64_t shard_tokens_;
  std::vector<ShardInfo> shards_;
  std::vector<SkippedRecord> skipped_;  // in complete shards' span
  int64_t records_read_ = 0;
  bool complete_ = false;

  // The shard being filled and the records it spans.
  std::vector<PackedSample> open_;
  std::vector<SkippedRecord> open_skipped_;
  int64_t open_tokens_ = 0, open_records_ = 0;
};

// Reads a shard directory; samples are numbered across shards in order. Shard files are
// mapped, not read, and only the few shards used last stay open, so random access (a
// shuffled training order) costs the pages it touches and memory stays bounded by the shard
// size, not the pack's. A shard whose files disagree with the index (truncated, damaged) is
// an hm::Error naming the file when it is opened.
class TokenShardReader {
 public:
  explicit TokenShardReader(const std::string& dir);
  ~TokenShardReader();

  const std::string& dir() const { return dir_; }
  int64_t size() const { return offsets_.back(); }  // samples
  int64_t tokens() const { return tokens_; }
  bool complete() const { return complete_; }
  const nlohmann::json& identity() const { return identity_; }
  const std::vector<ShardInfo>& shards() const { return shards_; }
  const std::vector<SkippedRecord>& skipped() const { return skipped_; }

  PackedSample Sample(int64_t index) const;
  // The sample without its tokens (where, media, kept), and its token count: what checking
  // a whole pack needs.
  PackedSample Describe(int64_t index) const;
  int64_t Length(int64_t index) const;

 private:
  struct OpenShard;
  // The shard holding sample `index` (opened if need be), and the sample's number in it.
  std::pair<const OpenShard*, size_t> Locate(int64_t index) const;

  std::string dir_;
  nlohmann::json identity_;
  std::vector<ShardInfo> shards_;
  std::vector<SkippedRecord> skipped_;
  std::vector<int64_t> offsets_{0};  // first sample of each shard; back() = all samples
  int64_t tokens_ = 0;
  bool complete_ = false;
  mutable std::vector<std::unique_ptr<OpenShard>> open_;  // most recently used last
};

}  // namespace hm
