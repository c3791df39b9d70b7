#include "train/group_lrs.h"

namespace hm {

const char* ModuleGroupName(ModuleGroup group) {
  switch (group) {
    case ModuleGroup::kVision: return "vision";
    case ModuleGroup::kProjector: return "projector";
    case ModuleGroup::kLlm: return "llm";
  }
  return "?";
}

GroupLrs GroupLrs::Scaled(double factor) const {
  GroupLrs out = *this;
  for (auto& lr : out.lr)
    if (lr) *lr *= factor;
  return out;
}

}  // namespace hm
