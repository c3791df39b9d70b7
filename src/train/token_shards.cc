#include "train/token_shards.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/json_file.h"
#include "io/npy.h"
#include "train/durable_file.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr char kFormat[] = "hulumed-token-shards";
constexpr int kVersion = 1;

std::string ShardName(size_t k) {
  char name[32];
  std::snprintf(name, sizeof name, "shard-%05zu", k);
  return name;
}

std::string KeptDigits(const std::vector<uint8_t>& kept) {
  std::string digits;
  for (const uint8_t k : kept) digits += k ? '1' : '0';
  return digits;
}

json SkippedJson(const std::vector<SkippedRecord>& skipped) {
  json out = json::array();
  for (const SkippedRecord& s : skipped) out.push_back({{"where", s.where}, {"reason", s.reason}});
  return out;
}

struct Index {
  json identity;
  std::vector<ShardInfo> shards;
  std::vector<SkippedRecord> skipped;
  int64_t records_read = 0;
  bool complete = false;
};

Index ReadIndex(const std::string& path) {
  const json j = ReadJsonFile(path);
  Index index;
  try {
    HM_CHECK(j.value("format", "") == kFormat && j.value("version", 0) == kVersion, path,
             ": not a token shard index of version ", kVersion);
    index.identity = j.at("identity");
    for (const json& s : j.at("shards"))
      index.shards.push_back({s.at("name").get<std::string>(), s.at("samples").get<int64_t>(), s.at("tokens").get<int64_t>(),
                              s.at("records_read").get<int64_t>()});
    for (const json& s : j.at("skipped")) index.skipped.push_back({s.at("where"), s.at("reason")});
    index.records_read = j.at("records_read").get<int64_t>();
    index.complete = j.at("complete").get<bool>();
  } catch (const json::exception& e) {
    Fail(path, ": unexpected structure: ", e.what());
  }
  return index;
}

template <typename T>
std::vector<T> NpyVector(const std::string& path, DType dtype) {
  const NpyArray a = ReadNpy(path);
  HM_CHECK(a.dtype == dtype && a.shape.size() == 1, path, ": expected a 1-D ", DTypeName(dtype), " array");
  std::vector<T> out(static_cast<size_t>(a.numel()));
  std::memcpy(out.data(), a.bytes.data(), a.bytes.size());
  return out;
}

// Writes a .npy and makes it durable before the index may name it.
template <typename T>
void WriteNpyVector(const std::string& path, DType dtype, const std::vector<T>& v) {
  WriteNpy(path, dtype, {static_cast<int64_t>(v.size())}, v.data());
  SyncPath(path);
}

}  // namespace

TokenShardWriter::TokenShardWriter(std::string dir, nlohmann::json identity, int64_t shard_tokens)
    : dir_(std::move(dir)), identity_(std::move(identity)), shard_tokens_(shard_tokens) {
  HM_CHECK(shard_tokens_ > 0, "shard size must be positive, not ", shard_tokens_, " tokens");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  HM_CHECK(!ec, dir_, ": cannot create the shard folder: ", ec.message());
  const std::string index_path = (fs::path(dir_) / "index.json").string();
  if (!fs::exists(index_path)) return;
  Index index = ReadIndex(index_path);
  HM_CHECK(index.identity == identity_, index_path,
           ": these shards were packed from other inputs or with another tokenizer or shard size; use a new folder");
  shards_ = std::move(index.shards);
  skipped_ = std::move(index.skipped);
  complete_ = index.complete;
  records_read_ = index.records_read;
}

void TokenShardWriter::Add(PackedSample sample) {
  HM_CHECK(sample.tokens.ids.size() == sample.tokens.labels.size(), sample.where, ": ids and labels differ in length");
  for (size_t i = 0; i < sample.tokens.ids.size(); ++i)
    HM_CHECK(sample.tokens.labels[i] == kIgnoreLabel || sample.tokens.labels[i] == sample.tokens.ids[i], sample.where,
             ": a label other than its own token cannot be stored as a mask");
  open_tokens_ += static_cast<int64_t>(sample.tokens.ids.size());
  ++open_records_;
  open_.push_back(std::move(sample));
  if (open_tokens_ >= shard_tokens_) CloseShard();
}

void TokenShardWriter::Skip(SkippedRecord record) {
  ++open_records_;
  open_skipped_.push_back(std::move(record));
}

void TokenShardWriter::Finish() {
  if (!open_.empty()) CloseShard();
  // Skipped records after the last shard belong to no shard; the complete index records them.
  records_read_ += open_records_;
  skipped_.insert(skipped_.end(), open_skipped_.begin(), open_skipped_.end());
  open_records_ = 0;
  open_skipped_.clear();
  complete_ = true;
  WriteIndex();
}

void TokenShardWriter::CloseShard() {
  const std::string name = ShardName(shards_.size());
  const fs::path base = fs::path(dir_) / name;
  std::vector<int32_t> ids;
  std::vector<uint8_t> labels;
  std::vector<int64_t> offsets{0};
  std::string media;
  for (const PackedSample& s : open_) {
    ids.insert(ids.end(), s.tokens.ids.begin(), s.tokens.ids.end());
    for (const int32_t label : s.tokens.labels) labels.push_back(label != kIgnoreLabel);
    offsets.push_back(static_cast<int64_t>(ids.size()));
    json kept = json::array();
    for (const auto& k : s.kept) kept.push_back(KeptDigits(k));
    media += json{{"where", s.where}, {"media", s.media}, {"kept", kept}}.dump() + "\n";
  }
  WriteNpyVector(base.string() + ".ids.npy", DType::kI32, ids);
  WriteNpyVector(base.string() + ".labels.npy", DType::kU8, labels);
  WriteNpyVector(base.string() + ".offsets.npy", DType::kI64, offsets);
  WriteFileSynced(base.string() + ".media.jsonl", media);

  records_read_ += open_records_;
  shards_.push_back({name, static_cast<int64_t>(open_.size()), static_cast<int64_t>(ids.size()), records_read_});
  skipped_.insert(skipped_.end(), open_skipped_.begin(), open_skipped_.end());
  open_.clear();
  open_skipped_.clear();
  open_tokens_ = open_records_ = 0;
  WriteIndex();
}

void TokenShardWriter::WriteIndex() const {
  json shards = json::array();
  for (const ShardInfo& s : shards_)
    shards.push_back({{"name", s.name}, {"samples", s.samples}, {"tokens", s.tokens}, {"records_read", s.records_read}});
  const json index = {{"format", kFormat},  {"version", kVersion},         {"identity", identity_},
                      {"shards", shards},   {"skipped", SkippedJson(skipped_)}, {"records_read", records_read_},
                      {"complete", complete_}};
  ReplaceFileAtomically((fs::path(dir_) / "index.json").string(), index.dump(2) + "\n");
}

TokenShardReader::TokenShardReader(const std::string& dir) : dir_(dir) {
  Index index = ReadIndex((fs::path(dir) / "index.json").string());
  shards_ = std::move(index.shards);
  skipped_ = std::move(index.skipped);
  complete_ = index.complete;
  for (const ShardInfo& s : shards_) {
    offsets_.push_back(offsets_.back() + s.samples);
    tokens_ += s.tokens;
  }
}

void TokenShardReader::Load(size_t shard) const {
  const ShardInfo& info = shards_[shard];
  const std::string base = (fs::path(dir_) / info.name).string();
  LoadedShard s;
  s.index = shard;
  s.ids = NpyVector<int32_t>(base + ".ids.npy", DType::kI32);
  s.labels = NpyVector<uint8_t>(base + ".labels.npy", DType::kU8);
  s.offsets = NpyVector<int64_t>(base + ".offsets.npy", DType::kI64);
  HM_CHECK(static_cast<int64_t>(s.ids.size()) == info.tokens && s.labels.size() == s.ids.size(), base,
           ": ids and labels do not hold the ", info.tokens, " tokens index.json lists");
  HM_CHECK(static_cast<int64_t>(s.offsets.size()) == info.samples + 1 && s.offsets.front() == 0 &&
               s.offsets.back() == info.tokens && std::is_sorted(s.offsets.begin(), s.offsets.end()),
           base, ".offsets.npy: not ", info.samples + 1, " ascending offsets from 0 to ", info.tokens);
  std::ifstream in(base + ".media.jsonl", std::ios::binary);
  HM_CHECK(in, base, ".media.jsonl: cannot open");
  for (std::string line; std::getline(in, line);) s.media_lines.push_back(std::move(line));
  HM_CHECK(static_cast<int64_t>(s.media_lines.size()) == info.samples, base, ".media.jsonl: ", s.media_lines.size(),
           " lines for ", info.samples, " samples");
  loaded_ = std::move(s);
}

PackedSample TokenShardReader::Sample(int64_t index) const {
  HM_CHECK(index >= 0 && index < size(), dir_, ": sample ", index, " of ", size());
  const size_t shard = static_cast<size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), index) - offsets_.begin() - 1);
  if (!loaded_ || loaded_->index != shard) Load(shard);
  const LoadedShard& s = *loaded_;
  const size_t i = static_cast<size_t>(index - offsets_[shard]);
  PackedSample out;
  for (int64_t t = s.offsets[i]; t < s.offsets[i + 1]; ++t) {
    out.tokens.ids.push_back(s.ids[t]);
    out.tokens.labels.push_back(s.labels[t] ? s.ids[t] : kIgnoreLabel);
  }
  const std::string where = (fs::path(dir_) / shards_[shard].name).string() + ".media.jsonl:" + std::to_string(i + 1);
  try {
    const json line = json::parse(s.media_lines[i]);
    out.where = line.at("where").get<std::string>();
    out.media = line.at("media");
    for (const json& digits : line.at("kept")) {
      std::vector<uint8_t> kept;
      for (const char c : digits.get<std::string>()) kept.push_back(c == '1');
      out.kept.push_back(std::move(kept));
    }
  } catch (const json::exception& e) {
    Fail(where, ": ", e.what());
  }
  return out;
}

}  // namespace hm
