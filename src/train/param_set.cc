#include "train/param_set.h"

#include <algorithm>

#include "core/error.h"
#include "io/checkpoint_files.h"
#include "kernels/kernels.h"
#include "model/weights.h"

namespace hm {

ModuleGroup GroupOfTensor(const std::string& name) {
  if (name.starts_with("model.vision_encoder.")) return ModuleGroup::kVision;
  if (name.starts_with("model.mm_projector.")) return ModuleGroup::kProjector;
  return ModuleGroup::kLlm;
}

ParamSet ParamSet::FromCheckpoint(const std::string& dir) {
  ParamSet set;
  set.config_ = LoadModelConfig(dir);
  const CheckpointFiles files(dir);
  BindWeights(files, set.config_);  // the same name/shape/dtype validation `run` applies
  set.qk_norm_ = files.Find("model.layers.0.self_attn.q_norm.weight") != nullptr;
  const std::vector<TensorSpec> specs = ExpectedTensors(set.config_, set.qk_norm_);
  set.values_.reserve(specs.size());
  set.grads_.reserve(specs.size());
  for (const TensorSpec& spec : specs) {
    // The vision tower may sit under the original release's nested prefix.
    std::string name = spec.name;
    if (!files.Find(name) && name.starts_with("model.vision_encoder."))
      name = "model.vision_encoder.vision_encoder." + name.substr(std::string("model.vision_encoder.").size());
    const TensorView* t = files.Find(name);
    HM_CHECK(t, dir, ": missing tensor '", spec.name, "'");
    std::vector<float>& value = set.values_.emplace_back(static_cast<size_t>(t->numel()));
    kernels::RowToF32(kernels::Matrix{t->dtype, 1, t->numel(), t->data}, 0, value.data());
    std::vector<float>& grad = set.grads_.emplace_back(value.size(), 0.0f);
    set.index_[name] = set.params_.size();
    set.shapes_.push_back(t->shape);
    // Matrices (and the conv kernel) decay; norms and biases do not.
    set.params_.push_back({name, value, grad, GroupOfTensor(name), t->shape.size() >= 2});
  }
  return set;
}

TrainParam& ParamSet::Get(const std::string& name) {
  const auto it = index_.find(name);
  HM_CHECK(it != index_.end(), "no trainable tensor named '", name, "'");
  return params_[it->second];
}

ParamSet ParamSet::GradientReplica() const {
  ParamSet r;
  r.config_ = config_;
  r.qk_norm_ = qk_norm_;
  r.shapes_ = shapes_;
  r.index_ = index_;
  r.grads_.reserve(params_.size());
  for (const TrainParam& p : params_) {
    std::vector<float>& grad = r.grads_.emplace_back(p.grad.size(), 0.0f);
    r.params_.push_back({p.name, p.value, grad, p.group, p.decay});
  }
  return r;
}

void ParamSet::ZeroGrads() {
  for (std::vector<float>& g : grads_) std::fill(g.begin(), g.end(), 0.0f);
}

}  // namespace hm
