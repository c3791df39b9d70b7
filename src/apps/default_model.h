// The model `run` and `serve` use when no -m is given: $HULUMED_MODEL, else the demo model
// shipped with the source tree (models/hulumed-demo, trained by scripts/train-demo.sh).
#pragma once

#include <string>

namespace hm {

// The folder `model_dir` names, or the default one if it is empty. hm::Error, saying what to
// do, when the default is not there.
std::string ModelDirOrDefault(const std::string& model_dir);

}  // namespace hm
