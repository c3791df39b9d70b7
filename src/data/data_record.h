// One record of the reference's training format, as the data tools read it:
//   {"image": "a.png" | ["a.png", ...], "video": ["clip.mp4" | "frames_dir"],
//    "volume": {"path": "ct.nii.gz" | "series_dir", "slices": 32, "axis": "axial", "window": "lung"},
//    "conversations": [{"from": "human"|"gpt"|"system", "value": "<image>\n..."}, ...], ...}
// Media paths are relative to a root (the data file's folder unless told otherwise). Volumes
// are frame sequences to the model and take a <video> placeholder. This is the format's one
// parser: the data tools check what it reads, and the trainer (train/train_record.h) adds
// its own rules on top.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hm {

struct MediaRef {
  enum class Kind { kImage, kVideo, kVolume } kind = Kind::kImage;
  std::string field;  // "image[0]", "video[0]", "volume" for messages
  std::string path;   // resolved against the root
  std::optional<int> slices;
  std::string axis;    // volumes; empty = default
  std::string window;  // DICOM volumes; empty = none

  // Identifies what loading gives, for caches: records of one study share their media.
  std::string Key() const {
    return std::to_string(static_cast<int>(kind)) + "|" + path + "|" + std::to_string(slices.value_or(-1)) + "|" + axis +
           "|" + window;
  }
};

struct DataTurn {
  std::string from;
  std::string value;
};

struct DataRecord {
  std::vector<MediaRef> media;
  std::vector<DataTurn> turns;
};

// Reads the media fields and conversations; throws hm::Error with the reason (naming the
// field) when their shape or a volume option is wrong. Does not touch the files.
DataRecord ParseDataRecord(const nlohmann::json& record, const std::string& media_root);
// The media fields alone (a pack keeps them without the conversation).
std::vector<MediaRef> ParseRecordMedia(const nlohmann::json& record, const std::string& media_root);

// Rewrites the record's relative media paths, which are relative to `from_root`, to be
// relative to `to_root` (where a derived data file is written). Absolute paths stay.
void RebaseMediaPaths(nlohmann::json& record, const std::string& from_root, const std::string& to_root);

// The record's "modality" field when it has one, else what its media say: "volume", "video",
// "image", or "text" without media.
std::string RecordModality(const nlohmann::json& record);

// Number of non-overlapping occurrences of `needle` in `text`.
size_t CountOccurrences(const std::string& text, const std::string& needle);

}  // namespace hm
