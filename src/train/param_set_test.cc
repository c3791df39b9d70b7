#include "train/param_set.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/checkpoint_files.h"

namespace hm {
namespace {

const std::string kModels = HULUMED_SOURCE_DIR "/testdata/models/";

TEST(ParamSet, HoldsEveryCheckpointTensorAsF32UnderItsOwnName) {
  for (const std::string model : {"tiny-qwen2", "tiny-qwen3", "tiny-qwen2-bf16"}) {
    ParamSet set = ParamSet::FromCheckpoint(kModels + model);
    const CheckpointFiles files(kModels + model);
    ASSERT_EQ(set.params().size(), files.Names().size()) << model;
    for (size_t i = 0; i < set.params().size(); ++i) {
      const TrainParam& p = set.params()[i];
      const TensorView* t = files.Find(p.name);
      ASSERT_NE(t, nullptr) << p.name;
      ASSERT_EQ(static_cast<int64_t>(p.value.size()), t->numel()) << p.name;
      EXPECT_EQ(set.shape(i), t->shape);
      EXPECT_EQ(p.grad.size(), p.value.size());
      if (t->dtype == DType::kF32) {
        EXPECT_EQ(p.value[1], static_cast<const float*>(t->data)[1]) << p.name;
      }
      EXPECT_EQ(p.decay, t->shape.size() >= 2) << p.name;
    }
  }
}

TEST(ParamSet, GroupsByModuleAndKeepsNestedVisionNames) {
  ParamSet set = ParamSet::FromCheckpoint(kModels + "tiny-qwen3");
  EXPECT_EQ(set.Get("model.embed_tokens.weight").group, ModuleGroup::kLlm);
  EXPECT_FALSE(set.Has("lm_head.weight"));  // tied
  EXPECT_EQ(set.Get("model.mm_projector.readout.0.weight").group, ModuleGroup::kProjector);
  const TrainParam& ln = set.Get("model.vision_encoder.vision_encoder.post_layernorm.weight");
  EXPECT_EQ(ln.group, ModuleGroup::kVision);
  EXPECT_FALSE(ln.decay);
  EXPECT_THROW(set.Get("model.vision_encoder.post_layernorm.weight"), Error);
}

TEST(ParamSet, ZeroGradsClearsEveryGradient) {
  ParamSet set = ParamSet::FromCheckpoint(kModels + "tiny-qwen2");
  set.params()[3].grad[0] = 2.0f;
  set.ZeroGrads();
  EXPECT_EQ(set.params()[3].grad[0], 0.0f);
}

// A worker's replica reads the master's values as they change and keeps its own gradients.
TEST(ParamSet, GradientReplicaSharesValuesNotGradients) {
  ParamSet set = ParamSet::FromCheckpoint(kModels + "tiny-qwen2");
  set.params()[3].grad[0] = 2.0f;
  ParamSet replica = set.GradientReplica();
  ASSERT_EQ(replica.params().size(), set.params().size());
  EXPECT_EQ(replica.params()[3].grad[0], 0.0f);
  set.params()[3].value[0] = 7.0f;
  EXPECT_EQ(replica.Get(set.params()[3].name).value[0], 7.0f);
  replica.params()[3].grad[0] = 5.0f;
  EXPECT_EQ(set.params()[3].grad[0], 2.0f);
  EXPECT_EQ(replica.params()[3].group, set.params()[3].group);
}

}  // namespace
}  // namespace hm
