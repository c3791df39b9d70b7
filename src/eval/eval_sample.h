// One question of a benchmark as MedUniEval builds it: the prompt the model sees, the media
// shown before it, and what scoring needs (the rule family, the answer, the choices).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/media_request.h"

namespace hm::eval {

struct EvalSample {
  int64_t index = 0;  // position in the benchmark's test split: the order of every output file
  std::string id;     // stable across runs and shards: the source's id, else the index
  // Score rule family (the `hulumed eval score` kinds): multi_choice, close_ended, judgement,
  // open_ended, open_3d, closed_3d, report.
  std::string kind;
  // How the benchmark cuts the response before its rule sees it (MedUniEval does this in
  // each benchmark's cal_metrics): a ScoreInput::prep value, "" for as is.
  std::string prep;
  std::string prompt;
  // The whole conversation sent instead of `prompt` as one user turn: HF-style text messages
  // {role, content} in order (HealthBench in fixed mode, quirk 14); empty for one-turn samples.
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  // Media in prompt order: image files, or one folder whose sorted files are the frames.
  std::vector<std::string> media;
  // Media stated with their options, as the training format states them (an image, a video
  // at 1 fps, a volume with its slices, axis and window): sets made for this engine (phantoms,
  // real scans) use these instead of `media`, so the model sees what training showed it.
  std::vector<MediaSpec> media_specs;
  std::string question;
  std::vector<std::string> choices;
  std::string answer;
  // The table the sample counts in: "open"/"close" for VQA, the M3D question type, the
  // question family of phantoms and real scans, ...
  std::string category;
};

// The fields of a sample that a response record carries, so a response file is also valid
// input to `hulumed eval score` and can be rescored without the benchmark on disk.
nlohmann::ordered_json SampleRecord(const EvalSample& s);
EvalSample SampleFromRecord(const nlohmann::json& record);

}  // namespace hm::eval
