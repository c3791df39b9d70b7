// A toy model for exercising the training loop without a transformer: y ~ w.x + b, loss
// 1/2 (w.x + b - y)^2 per sample. Its folder is a model folder like any other:
//   config.json {"model_type": "toy_least_squares", "dim": D}, model.safetensors {w [D], b [1]}
// and its records are ordinary training records whose human turn lists x ("1 2.5 -3") and
// whose assistant turn is y ("4"). w trains in the "llm" group, b in the "projector" group.
#pragma once

#include <string>
#include <vector>

#include "train/objective.h"

namespace hm {

inline constexpr const char* kLeastSquaresModelType = "toy_least_squares";

class LeastSquaresObjective : public Objective {
 public:
  explicit LeastSquaresObjective(const std::string& model_dir);

  std::span<TrainParam> Params() override { return params_; }
  int64_t Length(const TrainRecord& record) const override;
  LossSum LossAndGrad(const Batch& batch, std::span<TrainParam> params) override;

  // Writes a model folder with the given starting weights.
  static void WriteModel(const std::string& dir, const std::vector<float>& w, float b);

 private:
  std::vector<float> w_, b_, grad_w_, grad_b_;
  std::vector<TrainParam> params_;
};

}  // namespace hm
