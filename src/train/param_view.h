// The trainer's view of one trainable tensor: where its f32 master values and gradient live,
// which module's learning rate applies, and whether weight decay touches it.
// The backward passes (decoder, vision, projector) fill `grad`; the optimizer reads both.
#pragma once

#include <span>
#include <string>

namespace hm {

// The paper's three parameter groups; each stage of the recipe sets a learning rate per group
// or freezes it.
enum class ModuleGroup { kVision, kProjector, kLlm };

struct TrainParam {
  std::string name;          // exactly the checkpoint's tensor name
  std::span<float> value;    // f32 master copy, row-major as in the checkpoint
  std::span<float> grad;     // same size as value
  ModuleGroup group = ModuleGroup::kLlm;
  bool decay = false;        // AdamW decays matrices only (not norms, biases)
};

}  // namespace hm
