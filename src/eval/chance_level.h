// What guessing scores on a question family, computed from the family's own answers so that
// an accuracy can be read against it. A family mixes question forms (yes/no, open, multiple
// choice: the sample's kind), so each form is a group with its own answer set:
//   uniform   the mean over samples of 1 / the number of answers its group allows (the
//             question's options for multiple choice, two for yes/no, else the group's
//             distinct answers): a guesser who knows the answers but not their frequencies;
//   majority  the share of samples whose answer is their group's most frequent one: a model
//             that ignores the image and gives, for each form, the most common answer.
// Answers are compared normalized (NormalizeAnswer). Reports have no chance level.
#pragma once

#include <vector>

#include "eval/eval_sample.h"

namespace hm::eval {

struct ChanceLevel {
  double uniform = 0;
  double majority = 0;
};

// Over the given samples (one family); samples of kind "report" are left out. Zeros when
// none is left.
ChanceLevel ChanceOf(const std::vector<const EvalSample*>& family);

}  // namespace hm::eval
