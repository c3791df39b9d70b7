#include "train/token_shards.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string_view>

#include "core/error.h"
#include "data/content_hash.h"
#include "data/file_bytes.h"
#include "io/json_file.h"
#include "io/mapped_file.h"
#include "io/npy.h"
#include "text/chat_template.h"
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

// Writes a .npy and makes it durable before the index may name it.
template <typename T>
void WriteNpyVector(const std::string& path, DType dtype, const std::vector<T>& v) {
  WriteNpy(path, dtype, {static_cast<int64_t>(v.size())}, v.data());
  SyncPath(path);
}

}  // namespace

std::string FileFingerprint(const std::string& path) {
  ContentHash h;
  h.Add(ReadFileBytes(path));
  const unsigned __int128 v = h.Value();
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(v >> 64),
                static_cast<unsigned long long>(v));
  return hex;
}

nlohmann::json TokenizerIdentity(const std::string& model_dir) {
  ContentHash chat_template;
  chat_template.Add(FindChatTemplate(model_dir).text);
  return {{"tokenizer", FileFingerprint((fs::path(model_dir) / "tokenizer.json").string())},
          {"chat_template", std::to_string(static_cast<uint64_t>(chat_template.Value()))}};
}

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
           ": these shards were packed from other inputs or with another tokenizer, shard size or visual settings; use "
           "a new folder");
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

// A shard's files mapped, checked against the index once, read in place.
struct TokenShardReader::OpenShard {
  OpenShard(size_t index, const ShardInfo& info, const std::string& base)
      : index(index),
        ids_file(base + ".ids.npy"),
        labels_file(base + ".labels.npy"),
        offsets_file(base + ".offsets.npy"),
        media_file(base + ".media.jsonl"),
        media_path(media_file.path()) {
    ids = MappedVector(ids_file, DType::kI32, info.tokens);
    labels = MappedVector(labels_file, DType::kU8, info.tokens);
    offsets = MappedVector(offsets_file, DType::kI64, info.samples + 1);
    int64_t previous = 0;
    for (int64_t i = 0; i <= info.samples; ++i) {
      const int64_t offset = Offset(static_cast<size_t>(i));
      HM_CHECK(offset >= previous && (i > 0 || offset == 0) && (i < info.samples || offset == info.tokens),
               offsets_file.path(), ": not ", info.samples + 1, " ascending offsets from 0 to ", info.tokens);
      previous = offset;
    }
    const auto* text = reinterpret_cast<const char*>(media_file.data());
    for (size_t at = 0; at < media_file.size();) {
      const char* end = static_cast<const char*>(std::memchr(text + at, '\n', media_file.size() - at));
      HM_CHECK(end, media_path, ": the last line is cut short");
      line_starts.push_back(at);
      at = static_cast<size_t>(end - text) + 1;
    }
    HM_CHECK(static_cast<int64_t>(line_starts.size()) == info.samples, media_path, ": ", line_starts.size(),
             " lines for the ", info.samples, " samples index.json lists");
    line_starts.push_back(media_file.size());
  }

  // The array's bytes, after checking its type and that it holds `numel` values.
  static std::span<const uint8_t> MappedVector(const MappedFile& file, DType dtype, int64_t numel) {
    const NpyView v = ParseNpy({file.data(), file.size()}, file.path());
    HM_CHECK(v.dtype == dtype && v.shape.size() == 1 && v.shape[0] == numel, file.path(), ": expected a 1-D ",
             DTypeName(dtype), " array of ", numel, " values (as index.json lists)");
    return v.bytes;
  }
  template <typename T>
  static T At(std::span<const uint8_t> bytes, size_t i) {
    T v;
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));  // .npy data need not be aligned
    return v;
  }
  int64_t Offset(size_t sample) const { return At<int64_t>(offsets, sample); }
  std::string_view MediaLine(size_t sample) const {
    return {reinterpret_cast<const char*>(media_file.data()) + line_starts[sample],
            line_starts[sample + 1] - line_starts[sample] - 1};
  }

  size_t index;
  MappedFile ids_file, labels_file, offsets_file, media_file;
  std::string media_path;
  std::span<const uint8_t> ids, labels, offsets;
  std::vector<size_t> line_starts;  // of each media line, then the file's end
};

TokenShardReader::TokenShardReader(const std::string& dir) : dir_(dir) {
  Index index = ReadIndex((fs::path(dir) / "index.json").string());
  identity_ = std::move(index.identity);
  shards_ = std::move(index.shards);
  skipped_ = std::move(index.skipped);
  complete_ = index.complete;
  for (const ShardInfo& s : shards_) {
    offsets_.push_back(offsets_.back() + s.samples);
    tokens_ += s.tokens;
  }
}

TokenShardReader::~TokenShardReader() = default;

std::pair<const TokenShardReader::OpenShard*, size_t> TokenShardReader::Locate(int64_t index) const {
  HM_CHECK(index >= 0 && index < size(), dir_, ": sample ", index, " of ", size());
  const size_t shard = static_cast<size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), index) - offsets_.begin() - 1);
  const size_t in_shard = static_cast<size_t>(index - offsets_[shard]);
  auto it = std::find_if(open_.begin(), open_.end(), [&](const auto& s) { return s->index == shard; });
  if (it == open_.end()) {
    // A handful: a shuffled order over a large pack reopens shards, which costs a mapping and
    // a scan of the media lines, not a read of the shard.
    constexpr size_t kOpenShards = 4;
    if (open_.size() == kOpenShards) open_.erase(open_.begin());
    open_.push_back(std::make_unique<OpenShard>(shard, shards_[shard], (fs::path(dir_) / shards_[shard].name).string()));
  } else {
    std::rotate(it, it + 1, open_.end());
  }
  return {open_.back().get(), in_shard};
}

int64_t TokenShardReader::Length(int64_t index) const {
  const auto [shard, i] = Locate(index);
  return shard->Offset(i + 1) - shard->Offset(i);
}

PackedSample TokenShardReader::Describe(int64_t index) const {
  const auto [shard, i] = Locate(index);
  const std::string where = shard->media_path + ":" + std::to_string(i + 1);
  PackedSample out;
  try {
    const json line = json::parse(shard->MediaLine(i));
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

PackedSample TokenShardReader::Sample(int64_t index) const {
  PackedSample out = Describe(index);
  const auto [shard, i] = Locate(index);
  for (int64_t t = shard->Offset(i); t < shard->Offset(i + 1); ++t) {
    const int32_t id = OpenShard::At<int32_t>(shard->ids, static_cast<size_t>(t));
    out.tokens.ids.push_back(id);
    out.tokens.labels.push_back(OpenShard::At<uint8_t>(shard->labels, static_cast<size_t>(t)) ? id : kIgnoreLabel);
  }
  return out;
}

}  // namespace hm
