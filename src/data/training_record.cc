#include "data/training_record.h"

#include <filesystem>

#include "core/error.h"

namespace hm {
namespace {

using Json = nlohmann::json;

std::string Resolve(const std::string& root, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() || root.empty() ? path : (std::filesystem::path(root) / p).string();
}

// A string or a list of strings (the reference accepts both for "image").
std::vector<std::string> Paths(const Json& value, const char* field) {
  if (value.is_string()) return {value.get<std::string>()};
  HM_CHECK(value.is_array(), "\"", field, "\" must be a path or a list of paths");
  std::vector<std::string> out;
  for (const Json& v : value) {
    HM_CHECK(v.is_string(), "\"", field, "\" must hold only strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

RecordMedia Item(RecordMedia::Kind kind, std::string field, std::string path) {
  RecordMedia m;
  m.kind = kind;
  m.field = std::move(field);
  m.path = std::move(path);
  return m;
}

}  // namespace

void RebaseMediaPaths(Json& record, const std::string& from_root, const std::string& to_root) {
  namespace fs = std::filesystem;
  if (!record.is_object() || fs::weakly_canonical(from_root) == fs::weakly_canonical(to_root)) return;
  auto rebase = [&](Json& path) {
    if (!path.is_string() || fs::path(path.get<std::string>()).is_absolute()) return;
    const fs::path target = fs::weakly_canonical(fs::path(from_root) / path.get<std::string>());
    path = target.lexically_relative(fs::weakly_canonical(to_root)).string();
  };
  for (const char* field : {"image", "video"}) {
    if (!record.contains(field)) continue;
    Json& v = record[field];
    if (v.is_array()) {
      for (Json& p : v) rebase(p);
    } else {
      rebase(v);
    }
  }
  if (record.contains("volume") && record["volume"].is_object() && record["volume"].contains("path")) {
    rebase(record["volume"]["path"]);
  }
}

std::string RecordModality(const Json& r) {
  if (!r.is_object()) return "text";
  if (r.contains("modality") && r["modality"].is_string()) return r["modality"].get<std::string>();
  auto has = [&](const char* f) { return r.contains(f) && !r[f].is_null() && !(r[f].is_array() && r[f].empty()); };
  return has("volume") ? "volume" : has("video") ? "video" : has("image") ? "image" : "text";
}

size_t CountOccurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
  return n;
}

TrainingRecord ParseTrainingRecord(const Json& j, const std::string& root) {
  HM_CHECK(j.is_object(), "the record is not a JSON object");
  TrainingRecord r;
  if (j.contains("image") && !j["image"].is_null()) {
    const auto paths = Paths(j["image"], "image");
    for (size_t i = 0; i < paths.size(); ++i) {
      r.media.push_back(Item(RecordMedia::Kind::kImage, "image[" + std::to_string(i) + "]", Resolve(root, paths[i])));
    }
  }
  if (j.contains("video") && !j["video"].is_null()) {
    const auto paths = Paths(j["video"], "video");
    for (size_t i = 0; i < paths.size(); ++i) {
      r.media.push_back(Item(RecordMedia::Kind::kVideo, "video[" + std::to_string(i) + "]", Resolve(root, paths[i])));
    }
  }
  if (j.contains("volume") && !j["volume"].is_null()) {
    const Json& v = j["volume"];
    HM_CHECK(v.is_object() && v.contains("path") && v["path"].is_string(),
             "\"volume\" must be an object with a \"path\" string");
    RecordMedia m = Item(RecordMedia::Kind::kVolume, "volume", Resolve(root, v["path"].get<std::string>()));
    if (v.contains("slices")) {
      HM_CHECK(v["slices"].is_number_integer(), "\"volume.slices\" must be an integer");
      m.slices = v["slices"].get<int>();
    }
    if (v.contains("axis")) {
      HM_CHECK(v["axis"].is_string() || v["axis"].is_number_integer(), "\"volume.axis\" must be a name or 0..2");
      m.axis = v["axis"].is_string() ? v["axis"].get<std::string>() : std::to_string(v["axis"].get<int>());
    }
    if (v.contains("window") && !v["window"].is_null()) {
      HM_CHECK(v["window"].is_string(), "\"volume.window\" must be a string (WIDTH:LEVEL, 'file' or a preset)");
      m.window = v["window"].get<std::string>();
    }
    r.media.push_back(m);
  }
  HM_CHECK(j.contains("conversations") && j["conversations"].is_array() && !j["conversations"].empty(),
           "no \"conversations\" list");
  const Json& conv = j["conversations"];
  for (size_t i = 0; i < conv.size(); ++i) {
    const std::string where = "conversations[" + std::to_string(i) + "]";
    HM_CHECK(conv[i].is_object() && conv[i].contains("from") && conv[i]["from"].is_string(), where,
             ": needs a \"from\" string");
    HM_CHECK(conv[i].contains("value") && conv[i]["value"].is_string(), where, ": needs a \"value\" string");
    r.turns.push_back({conv[i]["from"].get<std::string>(), conv[i]["value"].get<std::string>()});
  }
  return r;
}

}  // namespace hm
