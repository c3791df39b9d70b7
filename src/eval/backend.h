// Where responses come from: a model in this process or an OpenAI-compatible server.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "eval/eval_sample.h"

namespace hm::eval {

// The model cannot take the sample at all (its prompt is longer than the model's context):
// asking again cannot help, so the runner logs an empty reply with this reason (scored wrong)
// instead of leaving the run unfinished.
class SampleTooLong : public Error {
 public:
  using Error::Error;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // The model's reply to the sample's media and prompt. Called from up to max_in_flight()
  // threads at once; throws hm::Error when no reply could be had.
  virtual std::string Respond(const EvalSample& sample) = 0;
  virtual int max_in_flight() const = 0;
  // Recorded in every response line and report.
  virtual std::string model_name() const = 0;
};

// The image files a sample shows, in order: a folder stands for its regular files sorted by
// name (MedUniEval's load_images on a directory). media_specs are not among them.
std::vector<std::string> MediaFiles(const EvalSample& sample);

}  // namespace hm::eval
