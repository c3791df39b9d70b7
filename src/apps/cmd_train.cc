// hulumed train RECIPE.json: runs a recipe's stages (the paper's curriculum, or one
// fine-tuning stage) with progress, a JSONL log, a loss curve and resumable checkpoints.
// Under `mpirun -np N` the ranks train data parallel (train/trainer.h, TrainOptions::ranks).
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "apps/commands.h"
#include "core/error.h"
#include "io/json_file.h"
#include "train/decoder_objective.h"
#include "train/least_squares_objective.h"
#include "train/lora_objective.h"
#include "train/mpi_collective.h"
#include "train/recipe.h"
#include "train/trainer.h"

namespace hm {
namespace {

struct TrainCommandOptions {
  std::string recipe;
  bool resume = false;
  bool strict = false;
  bool no_progress = false;
  int threads = 0;
};

// The model folder's config.json says what is trained: the toy, or a Hulu-Med checkpoint
// (its weights, or a LoRA adapter beside them when the stage says "lora").
// bf16 compute is the full model's (DecoderObjective); the others say they stay in f32 rather
// than let the recipe appear honoured.
std::unique_ptr<Objective> MakeObjective(const std::string& model_dir, const StageRecipe& stage, int threads,
                                         bool report) {
  const bool bf16 = stage.compute_dtype == "bf16";
  auto f32_only = [&](const char* what) {
    if (bf16 && report)
      std::fprintf(stderr, "note: %s asks for bf16 compute; %s trains in f32 (bf16 compute is for full training)\n",
                   stage.name.c_str(), what);
  };
  const std::string type = ReadJsonFile(model_dir + "/config.json").value("model_type", "");
  if (type == kLeastSquaresModelType) {
    f32_only("the least-squares toy");
    return std::make_unique<LeastSquaresObjective>(model_dir);
  }
  if (stage.lora) {
    f32_only("LoRA");
    return std::make_unique<LoraObjective>(model_dir, *stage.lora, stage.seed, threads, StageMediaOptions(stage),
                                           stage.lrs.Trains(ModuleGroup::kProjector));
  }
  return std::make_unique<DecoderObjective>(model_dir, threads, StageMediaOptions(stage),
                                            bf16 ? DType::kBF16 : DType::kF32);
}

void PrintSummary(const Recipe& recipe, const std::vector<StageOutcome>& outcomes) {
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const StageOutcome& s = outcomes[i];
    std::printf("%s: %lld steps (%lld skipped), %lld records skipped, last loss %.6g, checkpoint %s\n",
                recipe.stages[i].name.c_str(), static_cast<long long>(s.steps), static_cast<long long>(s.skipped_steps),
                static_cast<long long>(s.skipped_records), s.last_loss, s.checkpoint.c_str());
  }
}

// Default threads: the cores shared out among the ranks mpirun started on this machine.
int DefaultThreads() {
  const char* local_ranks = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks = local_ranks ? std::max(1, std::atoi(local_ranks)) : 1;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / ranks);
}

void RunTrain(const TrainCommandOptions& o) {
  // Every sample allocates and frees activation buffers of the same sizes: keep freed memory in
  // the process rather than hand it back to the kernel, which would zero it again on the next
  // touch (a tenth of a small model's training time).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::unique_ptr<Collective> ranks =
      LaunchedByMpirun() ? ConnectMpiRanks() : std::make_unique<SingleProcess>();
  // A rank that fails alone ends the whole job with its message; the others would otherwise
  // wait forever for it in the next gradient sum.
  try {
    const Recipe recipe = ReadRecipe(o.recipe);
    TrainOptions options;
    options.resume = o.resume;
    options.strict = o.strict;
    options.progress = !o.no_progress;
    options.ranks = ranks.get();
    const int threads = o.threads > 0 ? o.threads : DefaultThreads();
    const std::vector<StageOutcome> outcomes = TrainRecipe(
        recipe,
        [threads, report = ranks->rank() == 0](const std::string& dir, const StageRecipe& stage) {
          return MakeObjective(dir, stage, threads, report);
        },
        options);
    if (ranks->rank() == 0) PrintSummary(recipe, outcomes);
  } catch (const std::exception& e) {
    if (ranks->size() == 1) throw;
    std::fprintf(stderr, "error: rank %d of %d: %s\n", ranks->rank(), ranks->size(), e.what());
    std::fflush(stderr);
    ranks->Abort(1);
  }
}

}  // namespace

CLI::App* TrainGroup(CLI::App& app) {
  try {
    return app.get_subcommand("train");
  } catch (const CLI::OptionNotFound&) {
    return app.add_subcommand("train", "Train or fine-tune a checkpoint");
  }
}

void AddTrainCommand(CLI::App& app) {
  CLI::App* train = TrainGroup(app);
  auto o = std::make_shared<TrainCommandOptions>();
  train->add_option("recipe", o->recipe, "Recipe JSON: one stage, or defaults + stages (see recipes/)");
  train->add_flag("--resume", o->resume, "Continue each stage from its output_dir's last checkpoint");
  train->add_flag("--strict", o->strict, "Stop at the first bad record instead of skipping it");
  train->add_flag("--no-progress", o->no_progress, "No progress line (the JSONL log is still written)");
  train->add_option("-t,--threads", o->threads, "Worker threads (default: all cores)");
  train->callback([o, train] {
    if (!train->get_subcommands().empty()) return;  // `train grad` or `train export` ran instead
    HM_CHECK(!o->recipe.empty(), "train: give a RECIPE.json (see recipes/hulumed-3stage.json)");
    RunTrain(*o);
  });
}

}  // namespace hm
