#include "train/dataset.h"

#include <filesystem>

#include "core/error.h"
#include "data/data_file.h"
#include "train/packed_source.h"

namespace hm {

std::optional<std::string> MediaExists(const MediaRef& media) {
  std::error_code ec;
  if (!std::filesystem::exists(media.path, ec)) return "missing media file " + media.path;
  return std::nullopt;
}

int64_t Dataset::size() const { return pack ? pack->size() : static_cast<int64_t>(records.size()); }

TrainRecord Dataset::Record(int64_t index) const { return pack ? pack->Record(index) : records.at(static_cast<size_t>(index)); }

Dataset ReadDataset(const DataSource& source, const DatasetOptions& options) {
  if (IsPack(source.path)) {
    Dataset d;
    d.path = source.path;
    d.pack = std::make_shared<const PackedSource>(PackDir(source.path), options, &d.skipped);
    return d;
  }
  HM_CHECK(options.max_length == 0 || options.length, "ReadDataset: max_length needs a length function");
  auto check_media = options.check_media ? options.check_media : MediaExists;
  // Every record parsed first (a bad one keeps its reason), so `prepare` sees the good ones
  // together; then each is judged in file order.
  struct Parsed {
    std::string where, error;
    size_t record = 0;  // into `records` when error is empty
  };
  std::vector<Parsed> parsed;
  std::vector<TrainRecord> records;
  ForEachRecord(source.path, [&](const FileRecord& raw) {
    Parsed p{raw.where, "", records.size()};
    try {
      HM_CHECK(raw.error.empty(), raw.where, ": ", raw.error);
      TrainRecord r = ParseTrainRecord(raw.record, raw.where, source.media_root);
      for (const MediaRef& m : r.media)
        if (auto problem = check_media(m)) Fail(raw.where, ": ", *problem);
      records.push_back(std::move(r));
    } catch (const Error& e) {
      p.error = e.what();
    }
    parsed.push_back(std::move(p));
  });
  if (options.prepare) options.prepare(records);

  Dataset d;
  d.path = source.path;
  for (const Parsed& p : parsed) {
    try {
      HM_CHECK(p.error.empty(), p.error);
      TrainRecord& r = records[p.record];
      if (options.length) {
        int64_t n = options.length(r);
        HM_CHECK(options.max_length == 0 || n <= options.max_length, p.where, ": ", n,
                 " tokens, over the maximum length ", options.max_length);
      }
      d.records.push_back(std::move(r));
    } catch (const Error& e) {
      if (options.strict) throw Error(StrCat(e.what(), " (--strict: stopping)"));
      d.skipped.push_back({p.where, e.what()});
    }
  }
  return d;
}

}  // namespace hm
