#include "train/dataset.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace hm {
namespace {

using nlohmann::json;

// Byte offsets where the elements of a top-level JSON array start (strings and nesting
// skipped), so records of a .json file can be reported by line.
std::vector<size_t> ArrayElementOffsets(const std::string& text) {
  std::vector<size_t> starts;
  int depth = 0;
  bool in_string = false, escaped = false, want_element = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (depth == 1 && want_element && c != ']') {
      starts.push_back(i);
      want_element = false;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') want_element = ++depth == 1;
    else if (c == ']' || c == '}') --depth;
    else if (c == ',' && depth == 1) want_element = true;
  }
  return starts;
}

int64_t LineAt(const std::string& text, size_t offset) {
  return 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
}

struct RawRecord {
  int64_t line;
  std::string text;
};

std::vector<RawRecord> SplitRecords(const std::string& path, const std::string& text) {
  std::vector<RawRecord> out;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    std::vector<size_t> starts = ArrayElementOffsets(text);
    json all;
    try {
      all = json::parse(text);
    } catch (const json::parse_error& e) {
      Fail(path, ":", LineAt(text, std::min(e.byte, text.size())), ": invalid JSON");
    }
    HM_CHECK(all.size() == starts.size(), path, ": could not locate the records of the JSON array");
    for (size_t i = 0; i < all.size(); ++i) out.push_back({LineAt(text, starts[i]), all[i].dump()});
    return out;
  }
  std::istringstream lines(text);
  std::string line;
  for (int64_t n = 1; std::getline(lines, line); ++n)
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back({n, line});
  return out;
}

}  // namespace

std::optional<std::string> MediaExists(const MediaRef& media) {
  std::error_code ec;
  if (!std::filesystem::exists(media.path, ec)) return "missing media file " + media.path;
  return std::nullopt;
}

Dataset ReadDataset(const DataSource& source, const DatasetOptions& options) {
  std::ifstream in(source.path, std::ios::binary);
  HM_CHECK(in, source.path, ": cannot open data file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  HM_CHECK(options.max_length == 0 || options.length, "ReadDataset: max_length needs a length function");
  auto check_media = options.check_media ? options.check_media : MediaExists;

  Dataset d;
  d.path = source.path;
  for (const RawRecord& raw : SplitRecords(source.path, text)) {
    std::string where = StrCat(source.path, ":", raw.line);
    try {
      json value;
      try {
        value = json::parse(raw.text);
      } catch (const json::parse_error&) {
        Fail(where, ": invalid JSON");
      }
      TrainRecord r = ParseTrainRecord(value, where, source.media_root);
      for (const MediaRef& m : r.media)
        if (auto problem = check_media(m)) Fail(where, ": ", *problem);
      if (options.length) {
        int64_t n = options.length(r);
        HM_CHECK(options.max_length == 0 || n <= options.max_length, where, ": ", n,
                 " tokens, over the maximum length ", options.max_length);
      }
      d.records.push_back(std::move(r));
    } catch (const Error& e) {
      if (options.strict) throw Error(StrCat(e.what(), " (--strict: stopping)"));
      d.skipped.push_back({where, e.what()});
    }
  }
  return d;
}

}  // namespace hm
