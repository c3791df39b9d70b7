// A learning rate per module group, or none for a frozen group: what a recipe stage says
// about which parts of the model train and how fast.
#pragma once

#include <array>
#include <optional>

#include "train/param_view.h"

namespace hm {

inline constexpr int kNumModuleGroups = 3;

const char* ModuleGroupName(ModuleGroup group);  // "vision", "projector", "llm"

struct GroupLrs {
  std::array<std::optional<double>, kNumModuleGroups> lr;

  const std::optional<double>& Of(ModuleGroup group) const { return lr[static_cast<int>(group)]; }
  std::optional<double>& Of(ModuleGroup group) { return lr[static_cast<int>(group)]; }
  bool Trains(ModuleGroup group) const { return Of(group).has_value(); }
  // Every rate times `factor` (the schedule's multiplier); frozen groups stay frozen.
  GroupLrs Scaled(double factor) const;
};

}  // namespace hm
