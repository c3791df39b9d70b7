// hulumed eval: benchmarks. `eval score` rescores saved responses (ours or any system's)
// by MedUniEval's rules without a model.
#include <cstdio>

#include "apps/commands.h"
#include "core/error.h"
#include "eval/score_file.h"

namespace hm {
namespace {

struct ScoreOptions {
  std::string results, out, scoring = "compat";
};

void RunScore(const ScoreOptions& o) {
  nlohmann::json metrics = eval::ScoreResultsFile(o.results, o.out, eval::ParseScoring(o.scoring));
  for (const auto& [kind, m] : metrics["kinds"].items()) {
    std::printf("%-13s %6zu samples", kind.c_str(), m["samples"].get<size_t>());
    if (m.contains("accuracy")) std::printf("  accuracy %.4f", m["accuracy"].get<double>());
    if (m["errors"].get<size_t>() > 0) std::printf("  %zu raise in MedUniEval", m["errors"].get<size_t>());
    std::printf("\n");
  }
  std::printf("wrote %s/scored.jsonl and %s/metrics.json (%s scoring)\n", o.out.c_str(), o.out.c_str(),
              o.scoring.c_str());
}

void AddEvalScoreCommand(CLI::App& eval) {
  auto o = std::make_shared<ScoreOptions>();
  CLI::App* cmd = eval.add_subcommand("score", "Score saved responses by MedUniEval's rules (no model)");
  cmd->add_option("--results", o->results,
                  "JSONL, one {\"id\",\"kind\",\"question\"?,\"choices\"?,\"answer\",\"response\"} per line")
      ->required();
  cmd->add_option("--out", o->out, "Folder for scored.jsonl and metrics.json")->required();
  cmd->add_option("--scoring", o->scoring, "compat: MedUniEval's verdicts, quirks included; fixed: quirks corrected")
      ->check(CLI::IsMember({"compat", "fixed"}));
  cmd->callback([o] { RunScore(*o); });
}

}  // namespace

void AddEvalCommands(CLI::App& app) {
  CLI::App* eval = app.add_subcommand("eval", "Benchmarks: run them on a model, score saved responses, report");
  eval->require_subcommand(1);
  AddEvalScoreCommand(*eval);
  AddEvalRunCommands(*eval);
}

}  // namespace hm
