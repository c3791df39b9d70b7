#include "data/data_record.h"

#include <filesystem>

#include "core/error.h"
#include "runtime/media_request.h"

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

MediaRef Item(MediaRef::Kind kind, std::string field, std::string path) {
  MediaRef m;
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

std::vector<MediaRef> ParseRecordMedia(const Json& j, const std::string& root) {
  HM_CHECK(j.is_object(), "the record is not a JSON object");
  std::vector<MediaRef> media;
  if (j.contains("image") && !j["image"].is_null()) {
    const auto paths = Paths(j["image"], "image");
    for (size_t i = 0; i < paths.size(); ++i) {
      media.push_back(Item(MediaRef::Kind::kImage, "image[" + std::to_string(i) + "]", Resolve(root, paths[i])));
    }
  }
  if (j.contains("video") && !j["video"].is_null()) {
    const auto paths = Paths(j["video"], "video");
    for (size_t i = 0; i < paths.size(); ++i) {
      media.push_back(Item(MediaRef::Kind::kVideo, "video[" + std::to_string(i) + "]", Resolve(root, paths[i])));
    }
  }
  if (j.contains("volume") && !j["volume"].is_null()) {
    const Json& v = j["volume"];
    HM_CHECK(v.is_object() && v.contains("path") && v["path"].is_string(),
             "\"volume\" must be an object with a \"path\" string");
    MediaRef m = Item(MediaRef::Kind::kVolume, "volume", Resolve(root, v["path"].get<std::string>()));
    for (const auto& [key, value] : v.items()) {
      if (key == "path") continue;
      if (key == "slices") {
        HM_CHECK(value.is_number_integer() && value.get<int64_t>() > 0 && value.get<int64_t>() < (1 << 20),
                 "\"volume.slices\" must be a positive integer");
        m.slices = value.get<int>();
      } else if (key == "axis") {
        HM_CHECK(value.is_string() || value.is_number_integer(), "\"volume.axis\" must be a name or 0..2");
        m.axis = value.is_string() ? value.get<std::string>() : std::to_string(value.get<int>());
        ParseSliceAxis(m.axis, "volume.axis");  // checked here, so a typo is found before loading
      } else if (key == "window") {
        if (value.is_null()) continue;
        HM_CHECK(value.is_string(), "\"volume.window\" must be a string (WIDTH:LEVEL, 'file' or a preset)");
        m.window = value.get<std::string>();
      } else {
        Fail("\"volume.", key, "\": unknown field (path, slices, axis, window)");
      }
    }
    media.push_back(m);
  }
  return media;
}

DataRecord ParseDataRecord(const Json& j, const std::string& root) {
  DataRecord r;
  r.media = ParseRecordMedia(j, root);
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
