#include "train/least_squares_objective.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "io/checkpoint_files.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "train/durable_file.h"

namespace hm {
namespace {

std::vector<double> Numbers(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  std::vector<double> out;
  double v;
  while (in >> v) out.push_back(v);
  HM_CHECK(in.eof(), where, ": toy_least_squares expects numbers, got \"", text, "\"");
  return out;
}

const std::string& TurnText(const TrainRecord& r, Turn::Role role) {
  for (const Turn& t : r.turns)
    if (t.role == role) return t.text;
  Fail(r.where, ": no turn of the expected role");
}

}  // namespace

LeastSquaresObjective::LeastSquaresObjective(const std::string& model_dir) {
  nlohmann::json config = ReadJsonFile(model_dir + "/config.json");
  HM_CHECK(config.value("model_type", "") == kLeastSquaresModelType, model_dir, ": not a ", kLeastSquaresModelType,
           " model");
  CheckpointFiles files(model_dir);
  for (auto [name, dst] : {std::pair{"w", &w_}, std::pair{"b", &b_}}) {
    const TensorView* t = files.Find(name);
    HM_CHECK(t && t->dtype == DType::kF32, model_dir, ": needs an f32 tensor ", name);
    dst->resize(static_cast<size_t>(t->numel()));
    std::memcpy(dst->data(), t->data, t->nbytes());
  }
  HM_CHECK(b_.size() == 1, model_dir, ": b must hold one value");
  grad_w_.assign(w_.size(), 0.0f);
  grad_b_.assign(1, 0.0f);
  params_ = {{"w", w_, grad_w_, ModuleGroup::kLlm, true}, {"b", b_, grad_b_, ModuleGroup::kProjector, false}};
}

int64_t LeastSquaresObjective::Length(const TrainRecord& record) const {
  return static_cast<int64_t>(Numbers(TurnText(record, Turn::Role::kUser), record.where).size()) + 1;
}

LossSum LeastSquaresObjective::LossAndGrad(const Batch& batch, std::span<TrainParam> params) {
  LossSum sum;
  std::span<float> w = params[0].value, gw = params[0].grad;
  float& gb = params[1].grad[0];
  for (const TrainRecord* r : batch.samples) {
    std::vector<double> x = Numbers(TurnText(*r, Turn::Role::kUser), r->where);
    std::vector<double> y = Numbers(TurnText(*r, Turn::Role::kAssistant), r->where);
    HM_CHECK(x.size() == w.size() && y.size() == 1, r->where, ": expected ", w.size(), " inputs and 1 output");
    double pred = params[1].value[0];
    for (size_t i = 0; i < x.size(); ++i) pred += w[i] * x[i];
    double residual = pred - y[0];  // d(1/2 r^2)/d pred
    sum.loss += 0.5 * residual * residual;
    sum.tokens += 1;
    for (size_t i = 0; i < x.size(); ++i) gw[i] += static_cast<float>(residual * x[i]);
    gb += static_cast<float>(residual);
  }
  return sum;
}

void LeastSquaresObjective::WriteModel(const std::string& dir, const std::vector<float>& w, float b) {
  std::filesystem::create_directories(dir);
  WriteFileSynced(dir + "/config.json",
                  nlohmann::json{{"model_type", kLeastSquaresModelType}, {"dim", w.size()}}.dump());
  WriteSafetensors(dir + "/model.safetensors",
                   {{"w", DType::kF32, {static_cast<int64_t>(w.size())},
                     [&](std::span<uint8_t> o) { std::memcpy(o.data(), w.data(), o.size()); }},
                    {"b", DType::kF32, {1}, [&](std::span<uint8_t> o) { std::memcpy(o.data(), &b, 4); }}});
}

}  // namespace hm
