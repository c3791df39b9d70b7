#include "train/train_record.h"

#include "core/error.h"

namespace hm {
namespace {

Turn::Role ParseRole(const std::string& role, const std::string& where) {
  if (role == "human" || role == "user") return Turn::Role::kUser;
  if (role == "gpt" || role == "assistant") return Turn::Role::kAssistant;
  if (role == "system") return Turn::Role::kSystem;
  Fail(where, ": unknown role \"", role, "\" (expected human, gpt or system)");
}

}  // namespace

int TrainRecord::CountMedia(MediaRef::Kind kind) const {
  int n = 0;
  for (const MediaRef& m : media) n += m.kind == kind;
  return n;
}

TrainRecord ParseTrainRecord(const nlohmann::json& record, const std::string& where, const std::string& media_root) {
  DataRecord d;
  try {
    d = ParseDataRecord(record, media_root);
  } catch (const Error& e) {
    Fail(where, ": ", e.what());
  }
  TrainRecord r;
  r.where = where;
  r.media = std::move(d.media);
  int images = 0, videos = 0;
  for (const DataTurn& t : d.turns) {
    r.turns.push_back({ParseRole(t.from, where), t.value});
    images += static_cast<int>(CountOccurrences(t.value, "<image>"));
    videos += static_cast<int>(CountOccurrences(t.value, "<video>"));
  }
  HM_CHECK(!(r.CountMedia(MediaRef::Kind::kVideo) > 0 && r.CountMedia(MediaRef::Kind::kVolume) > 0), where,
           ": has both video and volume; both fill <video> placeholders, so give one per record");
  bool has_answer = false;
  for (const Turn& t : r.turns) has_answer |= t.role == Turn::Role::kAssistant && !t.text.empty();
  HM_CHECK(has_answer, where, ": no assistant (gpt) turn: nothing to learn from");
  const int want_images = r.CountMedia(MediaRef::Kind::kImage);
  const int want_videos = r.CountMedia(MediaRef::Kind::kVideo) + r.CountMedia(MediaRef::Kind::kVolume);
  // The reference puts the placeholder of a record's only item in front of its first turn.
  const bool implied = images + videos == 0 && r.media.size() == 1;
  HM_CHECK(implied || images == want_images, where, ": ", images, " <image> placeholders for ", want_images, " images");
  HM_CHECK(implied || videos == want_videos, where, ": ", videos, " <video> placeholders for ", want_videos,
           " videos/volumes");
  return r;
}

}  // namespace hm
