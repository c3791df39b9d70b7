#include "train/adamw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/safetensors.h"
#include "train/grad_clip.h"
#include "train/lr_schedule.h"

namespace hm {
namespace {

std::vector<float> ToVector(const SafetensorsFile& file, const std::string& name) {
  for (const SafetensorsEntry& e : file.header().tensors)
    if (e.name == name) {
      TensorView v = file.View(e);
      const float* data = static_cast<const float*>(v.data);
      return std::vector<float>(data, data + (e.end - e.begin) / sizeof(float));
    }
  ADD_FAILURE() << "golden has no tensor " << name;
  return {};
}

// Replays the gradients torch saw and compares values after each of 10 steps: per-module
// rates with vision frozen, decay on matrices only, clipping on 6 of the 10 steps, warmup 2.
TEST(AdamWTest, TenStepsMatchTorch) {
  SafetensorsFile golden(HULUMED_SOURCE_DIR "/testdata/goldens/adamw/adamw_10_steps.safetensors");
  auto settings = nlohmann::json::parse(golden.header().metadata.at("settings"));
  const int steps = settings["steps"];
  struct Spec {
    std::string name;
    ModuleGroup group;
    bool decay;
  };
  const std::vector<Spec> specs = {{"model.layers.0.mlp.up_proj.weight", ModuleGroup::kLlm, true},
                                   {"model.layers.0.self_attn.q_proj.bias", ModuleGroup::kLlm, false},
                                   {"model.mm_projector.readout.0.weight", ModuleGroup::kProjector, true},
                                   {"model.vision_encoder.patch_embed.weight", ModuleGroup::kVision, true}};
  std::vector<std::vector<float>> values, grads;
  std::vector<TrainParam> params;
  for (const Spec& s : specs) {
    values.push_back(ToVector(golden, s.name));
    grads.emplace_back(values.back().size());
  }
  for (size_t i = 0; i < specs.size(); ++i)
    params.push_back({specs[i].name, values[i], grads[i], specs[i].group, specs[i].decay});

  GroupLrs base;
  base.Of(ModuleGroup::kLlm) = settings["lr"]["llm"].get<double>();
  base.Of(ModuleGroup::kProjector) = settings["lr"]["projector"].get<double>();
  AdamW adamw(params, {.beta1 = settings["betas"][0], .beta2 = settings["betas"][1], .eps = settings["eps"],
                       .weight_decay = settings["weight_decay"]});
  CosineSchedule schedule = CosineSchedule::FromRatio(steps, settings["warmup_ratio"]);
  EXPECT_EQ(schedule.warmup_steps(), 2);
  std::vector<float> factors = ToVector(golden, "lr_factor"), norms = ToVector(golden, "grad_norm");

  for (int k = 0; k < steps; ++k) {
    for (size_t i = 0; i < specs.size(); ++i) {
      std::vector<float> g = ToVector(golden, specs[i].name + ".grad." + std::to_string(k));
      std::copy(g.begin(), g.end(), grads[i].begin());  // in place: params hold spans of grads[i]
    }
    double norm = ClipGradNorm(params, base, settings["max_grad_norm"]);
    EXPECT_NEAR(norm, norms[k], 1e-5 * norms[k]) << "step " << k;
    EXPECT_NEAR(schedule.Factor(k), factors[k], 1e-7) << "step " << k;
    adamw.Step(params, base.Scaled(schedule.Factor(k)));
    for (size_t i = 0; i < specs.size(); ++i) {
      std::vector<float> want = ToVector(golden, specs[i].name + ".after." + std::to_string(k));
      for (size_t j = 0; j < want.size(); ++j)
        ASSERT_NEAR(values[i][j], want[j], 2e-6f * std::max(1.0f, std::fabs(want[j])))
            << specs[i].name << "[" << j << "] after step " << k;
    }
  }
  EXPECT_EQ(adamw.state(0).step, steps);
  EXPECT_EQ(adamw.state(3).step, 0);  // frozen: never updated
  EXPECT_EQ(values[3], ToVector(golden, specs[3].name));
}

TEST(CosineScheduleTest, WarmsUpLinearlyThenDecaysToZero) {
  CosineSchedule s(4, 20);
  EXPECT_DOUBLE_EQ(s.Factor(0), 0.0);
  EXPECT_DOUBLE_EQ(s.Factor(2), 0.5);
  EXPECT_DOUBLE_EQ(s.Factor(4), 1.0);
  EXPECT_NEAR(s.Factor(12), 0.5, 1e-15);
  EXPECT_NEAR(s.Factor(20), 0.0, 1e-15);
  EXPECT_EQ(CosineSchedule::FromRatio(100, 0.03).warmup_steps(), 3);
  EXPECT_EQ(CosineSchedule::FromRatio(10, 0.03).warmup_steps(), 1);  // ceil, as HF
  EXPECT_THROW(CosineSchedule(5, 0), Error);
}

TEST(GradClipTest, LeavesFrozenGroupsAndSmallNormsAlone) {
  std::vector<float> v1(2), g1 = {3, 4}, v2(1), g2 = {100};
  std::vector<TrainParam> params = {{"a", v1, g1, ModuleGroup::kLlm, true}, {"b", v2, g2, ModuleGroup::kVision, true}};
  GroupLrs lrs;
  lrs.Of(ModuleGroup::kLlm) = 1e-3;
  EXPECT_DOUBLE_EQ(ClipGradNorm(params, lrs, 10.0), 5.0);
  EXPECT_EQ(g1, (std::vector<float>{3, 4}));
  EXPECT_DOUBLE_EQ(ClipGradNorm(params, lrs, 1.0), 5.0);
  EXPECT_NEAR(g1[0], 0.6f, 1e-6f);
  EXPECT_NEAR(g1[1], 0.8f, 1e-6f);
  EXPECT_EQ(g2[0], 100.0f);
}

}  // namespace
}  // namespace hm
