#include "eval/shard.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "core/error.h"
#include "eval/jsonl.h"

namespace hm::eval {
namespace {

int ParseCount(const std::string& text, const std::string& what) {
  size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
  }
  HM_CHECK(used == text.size() && value >= 0, what, ": '", text, "' is not a non-negative integer");
  return value;
}

const char* Env(const char* a, const char* b) {
  if (const char* v = std::getenv(a)) return v;
  return std::getenv(b);
}

}  // namespace

std::string Shard::ResponsesFile(const std::string& stem) const {
  if (count == 1) return stem + ".jsonl";
  return stem + ".shard-" + std::to_string(index) + "-of-" + std::to_string(count) + ".jsonl";
}

Shard ParseShard(const std::string& text) {
  Shard s;
  if (text.empty()) {
    const char* rank = Env("OMPI_COMM_WORLD_RANK", "PMI_RANK");
    const char* size = Env("OMPI_COMM_WORLD_SIZE", "PMI_SIZE");
    if (!rank || !size) return s;
    s.index = ParseCount(rank, "MPI rank");
    s.count = ParseCount(size, "MPI size");
  } else {
    const size_t slash = text.find('/');
    HM_CHECK(slash != std::string::npos, "--shard: '", text, "' is not I/N");
    s.index = ParseCount(text.substr(0, slash), "--shard");
    s.count = ParseCount(text.substr(slash + 1), "--shard");
  }
  HM_CHECK(s.count >= 1 && s.index < s.count, "shard ", s.index, "/", s.count, ": need 0 <= I < N");
  return s;
}

namespace {

// Keeps the first record of each id, ordered by sample index.
class Canonical {
 public:
  void Add(const std::string& path, const nlohmann::json& record) {
    HM_CHECK(record.contains("id") && record["id"].is_string() && record.contains("index") &&
                 record["index"].is_number_integer(),
             path, ": a record without a string id or an integer index");
    if (ids_.insert(record["id"].get<std::string>()).second)
      by_index_.emplace(record["index"].get<int64_t>(), record);
  }
  int64_t Write(const std::string& path) {
    std::vector<nlohmann::ordered_json> out;
    for (auto& [index, record] : by_index_) out.push_back(nlohmann::ordered_json(record));
    WriteJsonLines(path, out);
    return static_cast<int64_t>(out.size());
  }

 private:
  std::map<int64_t, nlohmann::json> by_index_;  // nlohmann::json keeps keys sorted
  std::set<std::string> ids_;
};

}  // namespace

void CanonicalizeResponses(const std::string& path) {
  Canonical c;
  for (const auto& record : ReadJsonLines(path, /*skip_torn_last_line=*/true)) c.Add(path, record);
  c.Write(path);
}

int64_t MergeShards(const std::string& dir, int count, const std::string& stem) {
  HM_CHECK(count >= 2, "merge: a run in ", count, " shard(s) has nothing to merge");
  Canonical c;
  for (int i = 0; i < count; ++i) {
    const std::string path = dir + "/" + Shard{i, count}.ResponsesFile(stem);
    HM_CHECK(std::filesystem::exists(path), "merge: ", path, " is missing (shard ", i, " of ", count,
             " has not run yet)");
    for (const auto& record : ReadJsonLines(path, /*skip_torn_last_line=*/true)) c.Add(path, record);
  }
  return c.Write(dir + "/" + stem + ".jsonl");
}

}  // namespace hm::eval
