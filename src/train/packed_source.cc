#include "train/packed_source.h"

#include <filesystem>

#include "core/error.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

std::vector<MediaRef> MediaOf(const PackedSample& s, const std::string& dir) {
  if (s.media.empty()) return {};
  try {
    return ParseRecordMedia(s.media, s.media.value("media_root", ""));
  } catch (const Error& e) {
    Fail(dir, ": ", s.where, ": ", e.what());
  }
}

}  // namespace

bool IsPack(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) || fs::path(path).filename() == "index.json";
}

std::string PackDir(const std::string& path) {
  return fs::path(path).filename() == "index.json" ? fs::path(path).parent_path().string() : path;
}

PackedSource::PackedSource(const std::string& dir, const DatasetOptions& options, std::vector<BadRecord>* skipped)
    : reader_(dir) {
  HM_CHECK(reader_.complete(), dir, ": the pack is unfinished (its packing was interrupted); run `hulumed data pack` "
                               "with the same arguments to complete it");
  if (!options.model_dir.empty()) {
    const nlohmann::json want = TokenizerIdentity(options.model_dir);
    for (const auto& [key, value] : want.items())
      HM_CHECK(reader_.identity().value(key, nlohmann::json()) == value, dir, ": packed with another ", key, " than ",
               options.model_dir, "'s; pack the data again with -m ", options.model_dir);
  }
  auto bad = [&](const std::string& where, const std::string& reason) {
    if (options.strict) throw Error(StrCat(reason, " (--strict: stopping)"));
    skipped->push_back({where, reason});
  };
  for (const SkippedRecord& s : reader_.skipped()) bad(s.where, s.reason);
  auto check_media = options.check_media ? options.check_media : MediaExists;
  for (int64_t i = 0; i < reader_.size(); ++i) {
    const PackedSample s = reader_.Describe(i);
    std::string reason;
    try {
      const int64_t n = reader_.Length(i);
      HM_CHECK(options.max_length == 0 || n <= options.max_length, s.where, ": ", n,
               " tokens, over the maximum length ", options.max_length);
      for (const MediaRef& m : MediaOf(s, dir))
        if (auto problem = check_media(m)) Fail(s.where, ": ", *problem);
    } catch (const Error& e) {
      reason = e.what();
    }
    if (reason.empty()) continue;
    bad(s.where, reason);
    unused_.push_back(i);
  }
}

TrainRecord PackedSource::Read(int64_t sample) const {
  PackedSample s = reader_.Sample(sample);
  TrainRecord r;
  r.where = s.where;
  r.media = MediaOf(s, reader_.dir());
  r.packed = PackedTokens{std::move(s.tokens), std::move(s.kept)};
  return r;
}

TrainRecord PackedSource::Record(int64_t index) const {
  HM_CHECK(index >= 0 && index < size(), reader_.dir(), ": usable sample ", index, " of ", size());
  // The pack number with `index` usable samples before it.
  int64_t sample = index;
  for (const int64_t unused : unused_) {
    if (unused > sample) break;
    ++sample;
  }
  return Read(sample);
}

}  // namespace hm
