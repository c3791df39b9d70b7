#include "train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/json_file.h"
#include "train/adamw.h"
#include "train/dataset.h"
#include "train/durable_file.h"
#include "train/gradient_allreduce.h"
#include "train/grad_clip.h"
#include "train/loss_curve.h"
#include "train/lr_schedule.h"
#include "train/packing.h"
#include "train/sampler.h"
#include "train/train_checkpoint.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kLogFile = "train_log.jsonl";
constexpr const char* kCurveFile = "loss_curve.svg";
constexpr int kReportedBadRecords = 20;

json LossJson(double loss) { return std::isfinite(loss) ? json(loss) : json(nullptr); }
double LossFromJson(const json& v) { return v.is_number() ? v.get<double>() : NAN; }

json RatesJson(const GroupLrs& lrs) {
  json out = json::object();
  for (int g = 0; g < kNumModuleGroups; ++g) {
    const auto& lr = lrs.lr[g];
    out[ModuleGroupName(static_cast<ModuleGroup>(g))] = lr ? json(*lr) : json("frozen");
  }
  return out;
}

std::string Duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", static_cast<long>(s / 3600), static_cast<long>(s / 60 % 60));
  else std::snprintf(buf, sizeof buf, "%ldm%02lds", static_cast<long>(s / 60), static_cast<long>(s % 60));
  return buf;
}

// "[#####-----] step 12/100 loss 2.3456 | 1234 tok/s | lr vision 1e-05 projector 1e-03 llm frozen | ETA 1h02m"
std::string ProgressLine(int64_t step, int64_t total, double loss, double tokens_per_s, const GroupLrs& lrs,
                         double eta_s) {
  constexpr int kBar = 20;
  int filled = static_cast<int>(kBar * step / std::max<int64_t>(1, total));
  std::string line = "[" + std::string(filled, '#') + std::string(kBar - filled, '-') + "]";
  char buf[160];
  std::snprintf(buf, sizeof buf, " step %ld/%ld loss %.4f | %.0f tok/s | lr", static_cast<long>(step),
                static_cast<long>(total), loss, tokens_per_s);
  line += buf;
  for (int g = 0; g < kNumModuleGroups; ++g) {
    line += std::string(" ") + ModuleGroupName(static_cast<ModuleGroup>(g)) + " ";
    if (lrs.lr[g]) {
      std::snprintf(buf, sizeof buf, "%.2e", *lrs.lr[g]);
      line += buf;
    } else {
      line += "frozen";
    }
  }
  return line + " | ETA " + Duration(eta_s);
}

// Keeps the log's lines up to `step` (a resumed run rewrites what the killed one logged after
// its last checkpoint).
void TrimLog(const std::string& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string kept, line;
  while (std::getline(in, line)) {
    json entry = json::parse(line, nullptr, false);
    if (entry.is_discarded()) continue;  // a line cut short by the kill
    if (entry.value("step", int64_t{0}) <= step) kept += line + "\n";
  }
  ReplaceFileAtomically(path, kept);
}

std::vector<Dataset> ReadStageData(const StageRecipe& stage, const std::string& model_dir, Objective& objective,
                                   bool strict, bool report, int64_t* skipped) {
  DatasetOptions options;
  options.strict = strict;
  options.model_dir = model_dir;
  options.max_length = stage.max_length;
  options.prepare = [&objective](std::span<const TrainRecord> records) { objective.Prepare(records); };
  options.length = [&objective](const TrainRecord& r) { return objective.Length(r); };
  std::vector<Dataset> out;
  *skipped = 0;
  for (const DataSource& source : stage.data) {
    out.push_back(ReadDataset(source, options));
    const Dataset& d = out.back();
    *skipped += static_cast<int64_t>(d.skipped.size());
    if (!report) continue;
    for (size_t i = 0; i < d.skipped.size() && i < kReportedBadRecords; ++i)
      std::fprintf(stderr, "skipped: %s\n", d.skipped[i].reason.c_str());
    if (d.skipped.size() > kReportedBadRecords)
      std::fprintf(stderr, "skipped: ... and %zu more in %s\n", d.skipped.size() - kReportedBadRecords, d.path.c_str());
    if (!d.skipped.empty())
      std::fprintf(stderr, "%s: %zu usable records, %zu skipped\n", d.path.c_str(), static_cast<size_t>(d.size()), d.skipped.size());
  }
  return out;
}

struct LoopState {
  int64_t step = 0;
  int64_t skipped_steps = 0;
  int64_t tokens_seen = 0;
  std::vector<LossPoint> history;
};

json StateJson(const StageRecipe& stage, int64_t total, const LoopState& s, const WeightedSampler& sampler) {
  WeightedSampler::State ss = sampler.state();
  json history = json::array();
  for (const LossPoint& p : s.history) history.push_back({p.step, LossJson(p.loss)});
  return {{"stage", stage.name},       {"step", s.step},
          {"total_steps", total},      {"complete", s.step == total},
          {"skipped_steps", s.skipped_steps}, {"tokens_seen", s.tokens_seen},
          {"sampler", {{"rng", ss.rng}, {"epoch", ss.epoch}, {"cursor", ss.cursor}, {"drawn", ss.drawn}}},
          {"history", history}};
}

void RestoreState(const json& j, const std::string& dir, const StageRecipe& stage, int64_t total, LoopState& s,
                  WeightedSampler& sampler) {
  try {
    HM_CHECK(j.at("stage") == stage.name, "it belongs to stage ", j.at("stage"), ", not ", stage.name);
    HM_CHECK(j.at("total_steps") == total, "it planned ", j.at("total_steps"), " steps, the recipe now gives ", total);
    s.step = j.at("step");
    s.skipped_steps = j.at("skipped_steps");
    s.tokens_seen = j.at("tokens_seen");
    for (const json& p : j.at("history")) s.history.push_back({p.at(0).get<int64_t>(), LossFromJson(p.at(1))});
    const json& ss = j.at("sampler");
    sampler.Restore({ss.at("rng"), ss.at("epoch"), ss.at("cursor"), ss.at("drawn")});
  } catch (const json::exception& e) {
    Fail(dir, "/trainer_state.json: ", e.what());
  } catch (const Error& e) {
    Fail(dir, ": cannot resume: ", e.what());
  }
}

// Zeroes the gradients, then adds the summed-loss gradient of every micro-batch the global
// batch packs into that is this rank's: the micro-batches are the same for any number of
// ranks, rank r takes the r-th of `size` contiguous runs of them.
LossSum AccumulateGlobalBatch(const StageRecipe& stage, Objective& objective, std::span<TrainParam> params,
                              const std::vector<const TrainRecord*>& samples, const std::vector<int64_t>& lengths,
                              const Collective& ranks) {
  for (TrainParam& p : params) std::fill(p.grad.begin(), p.grad.end(), 0.0f);
  LossSum sum;
  const std::vector<std::vector<int>> all =
      PackMicroBatches(lengths, stage.micro_batch_tokens, stage.micro_batch_samples);
  const size_t n = all.size(), r = static_cast<size_t>(ranks.rank()), size = static_cast<size_t>(ranks.size());
  for (size_t m = n * r / size; m < n * (r + 1) / size; ++m) {
    const std::vector<int>& micro = all[m];
    Batch batch;
    for (int i : micro) {
      batch.samples.push_back(samples[i]);
      batch.lengths.push_back(lengths[i]);
    }
    batch.layout = PackSequences(batch.lengths);
    LossSum part = objective.LossAndGrad(batch, params);
    sum.loss += part.loss;
    sum.tokens += part.tokens;
  }
  return sum;
}

// Turns the summed-loss gradients into those of the mean over the global batch's label
// tokens and clips them. Returns why the step must be skipped, or "" to take it.
std::string MeanAndClip(const StageRecipe& stage, std::span<TrainParam> params, const LossSum& sum, double* norm) {
  if (sum.tokens == 0) return "no label tokens in the batch";
  if (!std::isfinite(sum.loss)) return "non-finite loss";
  const float inv = static_cast<float>(1.0 / static_cast<double>(sum.tokens));
  for (TrainParam& p : params)
    if (stage.lrs.Trains(p.group))
      for (float& g : p.grad) g *= inv;
  *norm = ClipGradNorm(params, stage.lrs, stage.max_grad_norm);
  return std::isfinite(*norm) ? "" : "non-finite gradient";
}

}  // namespace

int64_t StageSteps(const StageRecipe& stage, int64_t records) {
  if (stage.steps > 0) return stage.steps;
  int64_t per_epoch = std::max<int64_t>(1, records / stage.global_batch_samples);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(stage.epochs * static_cast<double>(per_epoch))));
}

StageOutcome TrainStage(const StageRecipe& stage, const std::string& model_dir, Objective& objective,
                        const TrainOptions& options) {
  StageOutcome outcome;
  SingleProcess alone;
  Collective& ranks = options.ranks ? *options.ranks : alone;
  const bool writer = ranks.rank() == 0;
  GradientAllReduce gradient_sum(ranks);
  std::vector<Dataset> data = ReadStageData(stage, model_dir, objective, options.strict, writer, &outcome.skipped_records);
  std::vector<int64_t> sizes;
  std::vector<double> weights;
  int64_t records = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    sizes.push_back(data[i].size());
    weights.push_back(stage.data[i].weight);
    records += sizes.back();
  }
  HM_CHECK(records > 0, "stage ", stage.name, ": no usable records in its data files");
  WeightedSampler sampler(sizes, weights, stage.seed);
  const int64_t total = StageSteps(stage, records);
  const CosineSchedule schedule = CosineSchedule::FromRatio(total, stage.warmup_ratio);

  std::span<TrainParam> params = objective.Params();
  objective.SetTrainedGroups(stage.lrs);
  AdamW optimizer(params, stage.adamw);
  LoopState s;
  fs::create_directories(stage.output_dir);
  const std::string log_path = (fs::path(stage.output_dir) / kLogFile).string();
  if (std::optional<std::string> last = LatestTrainCheckpoint(stage.output_dir)) {
    HM_CHECK(options.resume, stage.output_dir, " already holds ", *last,
             ": pass --resume to continue it, or choose another output_dir");
    json state = ReadTrainCheckpoint(*last, params, &optimizer);
    RestoreState(state, *last, stage, total, s, sampler);
    if (writer) TrimLog(log_path, s.step);
    outcome.checkpoint = *last;
    if (writer)
      std::fprintf(stderr, "%s: resuming at step %ld/%ld from %s\n", stage.name.c_str(), static_cast<long>(s.step),
                   static_cast<long>(total), last->c_str());
  } else if (writer) {
    std::remove(log_path.c_str());
  }
  // Other ranks keep the stream closed: what they write to it goes nowhere.
  std::ofstream log;
  if (writer) {
    log.open(log_path, std::ios::app);
    HM_CHECK(log, log_path, ": cannot open for writing");
  }
  if (s.step == 0)
    log << json{{"step", 0}, {"event", "start"}, {"stage", stage.name}, {"total_steps", total},
                {"records", records}, {"skipped_records", outcome.skipped_records},
                {"warmup_steps", schedule.warmup_steps()}, {"lr", RatesJson(stage.lrs)}}.dump()
        << "\n";

  const auto run_start = Clock::now();
  const int64_t first_step = s.step;
  std::vector<TrainRecord> drawn;  // the global batch's (a pack's are read as they are drawn)
  std::vector<const TrainRecord*> samples;
  std::vector<int64_t> lengths;
  while (s.step < total) {
    const auto step_start = Clock::now();
    drawn.clear();
    samples.clear();
    lengths.clear();
    for (int64_t i = 0; i < stage.global_batch_samples; ++i) {
      const SampleRef ref = sampler.Next();
      drawn.push_back(data[ref.source].Record(ref.index));
      lengths.push_back(objective.Length(drawn.back()));
    }
    for (const TrainRecord& r : drawn) samples.push_back(&r);
    LossSum sum = AccumulateGlobalBatch(stage, objective, params, samples, lengths, ranks);
    if (ranks.size() > 1) {
      gradient_sum.Sum(params, stage.lrs);
      sum.loss = ranks.AllReduceSum(sum.loss);
      sum.tokens = ranks.AllReduceSum(sum.tokens);
    }
    int64_t step_tokens = 0;
    for (int64_t n : lengths) step_tokens += n;
    const double loss = sum.tokens > 0 ? sum.loss / static_cast<double>(sum.tokens) : NAN;
    const GroupLrs lrs = stage.lrs.Scaled(schedule.Factor(s.step));
    double norm = NAN;
    const std::string skip_reason = MeanAndClip(stage, params, sum, &norm);
    if (skip_reason.empty()) {
      optimizer.Step(params, lrs);
      objective.WeightsChanged();
    } else {
      ++s.skipped_steps;
    }
    ++s.step;
    s.tokens_seen += step_tokens;
    s.history.push_back({s.step, loss});
    outcome.last_loss = loss;

    const double step_s = std::chrono::duration<double>(Clock::now() - step_start).count();
    const double run_s = std::chrono::duration<double>(Clock::now() - run_start).count();
    const double eta_s = run_s / static_cast<double>(s.step - first_step) * static_cast<double>(total - s.step);
    const double tokens_per_s = step_s > 0 ? static_cast<double>(step_tokens) / step_s : 0.0;
    json entry = {{"step", s.step}, {"loss", LossJson(loss)}, {"grad_norm", LossJson(norm)},
                  {"lr", RatesJson(lrs)}, {"label_tokens", sum.tokens}, {"tokens", step_tokens},
                  {"tokens_per_s", tokens_per_s}, {"elapsed_s", run_s}};
    if (!skip_reason.empty() && writer) {
      entry["skipped"] = skip_reason;
      std::fprintf(stderr, "%sstep %ld skipped: %s\n", options.progress ? "\n" : "", static_cast<long>(s.step),
                   skip_reason.c_str());
    }
    log << entry.dump() << "\n" << std::flush;
    if (options.progress && writer) {
      const bool tty = ::isatty(STDERR_FILENO);
      std::fprintf(stderr, "%s%s%s", tty ? "\r" : "",
                   ProgressLine(s.step, total, loss, tokens_per_s, lrs, eta_s).c_str(), tty ? "" : "\n");
      if (tty && s.step == total) std::fputc('\n', stderr);
    }

    const bool save = (stage.save_every_steps > 0 && s.step % stage.save_every_steps == 0) || s.step == total;
    if (save && writer) {
      const std::string curve = LossCurveSvg(s.history, stage.name + ": loss per optimizer step");
      CheckpointContents contents{params, &optimizer, StateJson(stage, total, s, sampler),
                                  objective.CheckpointIsModel() ? model_dir : "", {{kCurveFile, curve}}};
      contents.write_files = [&objective](const std::string& dir) { objective.WriteCheckpointFiles(dir); };
      outcome.checkpoint = WriteTrainCheckpoint(stage.output_dir, s.step, contents);
      if (stage.keep_checkpoints > 0) PruneTrainCheckpoints(stage.output_dir, stage.keep_checkpoints);
      ReplaceFileAtomically((fs::path(stage.output_dir) / kCurveFile).string(), curve);
      log << json{{"step", s.step}, {"event", "checkpoint"}, {"path", outcome.checkpoint}}.dump() << "\n"
          << std::flush;
    }
    if (save && ranks.size() > 1) {
      // The other ranks may read it next (the following stage starts from it).
      ranks.Barrier();
      if (!writer) outcome.checkpoint = LatestTrainCheckpoint(stage.output_dir).value_or("");
    }
    if (options.after_step) options.after_step(s.step);
  }
  outcome.steps = s.step;
  outcome.skipped_steps = s.skipped_steps;
  if (!s.history.empty()) outcome.last_loss = s.history.back().loss;
  return outcome;
}

std::vector<StageOutcome> TrainRecipe(const Recipe& recipe, const ObjectiveFactory& make_objective,
                                      const TrainOptions& options) {
  std::vector<StageOutcome> outcomes;
  for (const StageRecipe& stage : recipe.stages) {
    std::string model_dir = stage.start_checkpoint.empty() ? outcomes.back().checkpoint : stage.start_checkpoint;
    if (options.resume)
      if (std::optional<std::string> last = LatestTrainCheckpoint(stage.output_dir)) {
        json state = ReadJsonFile(*last + "/trainer_state.json");
        if (state.value("complete", false) && state.value("stage", "") == stage.name) {
          if (!options.ranks || options.ranks->rank() == 0)
            std::fprintf(stderr, "%s: already complete (%s)\n", stage.name.c_str(), last->c_str());
          StageOutcome done;
          done.checkpoint = *last;
          done.steps = state.value("step", int64_t{0});
          done.skipped_steps = state.value("skipped_steps", int64_t{0});
          if (!state["history"].empty()) done.last_loss = LossFromJson(state["history"].back().at(1));
          outcomes.push_back(done);
          continue;
        }
      }
    HM_CHECK(fs::is_directory(model_dir), "stage ", stage.name, ": start model ", model_dir, " is not a folder");
    std::unique_ptr<Objective> objective = make_objective(model_dir, stage);
    outcomes.push_back(TrainStage(stage, model_dir, *objective, options));
  }
  return outcomes;
}

}  // namespace hm
