// One training sample in the reference's format (VideoLLaMA3 / Hulu-Med JSON or JSONL):
//   {"image": "a.png" | ["a.png", ...], "video": ["clip.mp4" | "frames_dir"],
//    "volume": {"path": "ct.nii.gz", "slices": 64, "axis": "axial", "window": "lung"},
//    "conversations": [{"from": "system"|"human"|"gpt", "value": "<image>\n..."}, ...]}
// Images fill the `<image>` placeholders in order; videos, or the one volume (shown to the
// model as a video of slices), fill the `<video>` placeholders. The format is read by the data
// tools' parser (data/data_record.h); this adds what training needs of a record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/data_record.h"
#include "train/chat_labels.h"

namespace hm {

struct Turn {
  enum class Role { kSystem, kUser, kAssistant };
  Role role = Role::kUser;
  std::string text;
};

// A record read from a pack (`hulumed data pack`): its tokens as they were labelled then, and
// per media item one entry per visual token, 1 where token reduction kept it.
struct PackedTokens {
  LabelledTokens tokens;
  std::vector<std::vector<uint8_t>> kept;
};

struct TrainRecord {
  std::string where;  // "file:line", for every message about this record
  std::vector<MediaRef> media;  // images first, then videos or the volume
  std::vector<Turn> turns;      // empty when packed
  std::optional<PackedTokens> packed;  // set: the tokens are these, only the media load again

  int CountMedia(MediaRef::Kind kind) const;
};

// Parses one record; a malformed one throws hm::Error whose message starts with `where`.
// Checks the structure only: known roles, an assistant turn, placeholders matching media (a
// record with one item may leave out its placeholder, as the reference allows).
TrainRecord ParseTrainRecord(const nlohmann::json& record, const std::string& where, const std::string& media_root);

}  // namespace hm
