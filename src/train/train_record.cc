#include "train/train_record.h"

#include <filesystem>

#include "core/error.h"
#include "runtime/media_request.h"

namespace hm {
namespace {

using nlohmann::json;

int CountOccurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

std::string Resolve(const std::string& root, const std::string& path) {
  if (root.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(root) / path).string();
}

// "image" and "video" are a path or a list of paths.
std::vector<std::string> Paths(const json& value, const std::string& where, const char* field) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else {
    HM_CHECK(value.is_array(), where, ": ", field, ": expected a path or a list of paths");
    for (const json& p : value) {
      HM_CHECK(p.is_string() && !p.get<std::string>().empty(), where, ": ", field, ": expected a list of paths");
      out.push_back(p.get<std::string>());
    }
  }
  for (const std::string& p : out) HM_CHECK(!p.empty(), where, ": ", field, ": empty path");
  return out;
}

RecordMedia ParseVolume(const json& v, const std::string& where, const std::string& media_root) {
  HM_CHECK(v.is_object(), where, ": volume: expected {\"path\", \"slices\", \"axis\", \"window\"}");
  RecordMedia m{RecordMedia::Kind::kVolume, "", {}, {}, {}};
  for (const auto& [key, value] : v.items()) {
    if (key == "path") {
      HM_CHECK(value.is_string() && !value.get<std::string>().empty(), where, ": volume.path: expected a path");
      m.path = Resolve(media_root, value.get<std::string>());
    } else if (key == "slices") {
      HM_CHECK(value.is_number_integer() && value.get<int64_t>() > 0 && value.get<int64_t>() < (1 << 20), where,
               ": volume.slices: expected a positive integer");
      m.slices = value.get<int>();
    } else if (key == "axis") {
      HM_CHECK(value.is_string(), where, ": volume.axis: expected axial, coronal or sagittal");
      m.axis = ParseSliceAxis(value.get<std::string>(), where + ": volume.axis");
    } else if (key == "window") {
      HM_CHECK(value.is_string(), where, ": volume.window: expected WIDTH:LEVEL, \"file\" or a preset name");
      m.window = value.get<std::string>();
    } else {
      Fail(where, ": volume.", key, ": unknown field");
    }
  }
  HM_CHECK(!m.path.empty(), where, ": volume.path: missing");
  return m;
}

Turn::Role ParseRole(const json& from, const std::string& where) {
  HM_CHECK(from.is_string(), where, ": expected \"from\": human, gpt or system");
  const std::string role = from.get<std::string>();
  if (role == "human" || role == "user") return Turn::Role::kUser;
  if (role == "gpt" || role == "assistant") return Turn::Role::kAssistant;
  if (role == "system") return Turn::Role::kSystem;
  Fail(where, ": unknown role \"", role, "\" (expected human, gpt or system)");
}

}  // namespace

int TrainRecord::CountMedia(RecordMedia::Kind kind) const {
  int n = 0;
  for (const RecordMedia& m : media) n += m.kind == kind;
  return n;
}

TrainRecord ParseTrainRecord(const json& record, const std::string& where, const std::string& media_root) {
  HM_CHECK(record.is_object(), where, ": expected a JSON object");
  TrainRecord r;
  r.where = where;
  if (record.contains("image"))
    for (const std::string& p : Paths(record["image"], where, "image"))
      r.media.push_back({RecordMedia::Kind::kImage, Resolve(media_root, p), {}, {}, {}});
  HM_CHECK(!(record.contains("video") && record.contains("volume")), where,
           ": has both video and volume; both fill <video> placeholders, so give one per record");
  if (record.contains("video"))
    for (const std::string& p : Paths(record["video"], where, "video"))
      r.media.push_back({RecordMedia::Kind::kVideo, Resolve(media_root, p), {}, {}, {}});
  if (record.contains("volume")) r.media.push_back(ParseVolume(record["volume"], where, media_root));

  HM_CHECK(record.contains("conversations") && record["conversations"].is_array(), where,
           ": conversations: missing (expected a list of {\"from\", \"value\"})");
  int images = 0, videos = 0;
  for (const json& turn : record["conversations"]) {
    HM_CHECK(turn.is_object() && turn.contains("from") && turn.contains("value") && turn["value"].is_string(), where,
             ": conversations: each turn needs \"from\" and a string \"value\"");
    Turn t{ParseRole(turn["from"], where), turn["value"].get<std::string>()};
    images += CountOccurrences(t.text, "<image>");
    videos += CountOccurrences(t.text, "<video>");
    r.turns.push_back(std::move(t));
  }
  bool has_answer = false;
  for (const Turn& t : r.turns) has_answer |= t.role == Turn::Role::kAssistant && !t.text.empty();
  HM_CHECK(has_answer, where, ": no assistant (gpt) turn: nothing to learn from");
  int want_images = r.CountMedia(RecordMedia::Kind::kImage);
  int want_videos = r.CountMedia(RecordMedia::Kind::kVideo) + r.CountMedia(RecordMedia::Kind::kVolume);
  // The reference puts the placeholder of a record's only item in front of its first turn.
  const bool implied = images + videos == 0 && r.media.size() == 1;
  HM_CHECK(implied || images == want_images, where, ": ", images, " <image> placeholders for ", want_images, " images");
  HM_CHECK(implied || videos == want_videos, where, ": ", videos, " <video> placeholders for ", want_videos,
           " videos/volumes");
  return r;
}

}  // namespace hm
