// Each subcommand of the hulumed tool registers itself on the CLI11 app. A command reports
// failure by throwing hm::Error; main prints it and exits 1.
#pragma once

#include <CLI/CLI.hpp>

namespace hm {

void AddRunCommand(CLI::App& app);
void AddCreateModelCommand(CLI::App& app);
void AddTokenizeCommand(CLI::App& app);
void AddTemplateCommand(CLI::App& app);
void AddServeCommand(CLI::App& app);
void AddQuantizeCommand(CLI::App& app);
void AddBenchCommand(CLI::App& app);
// `train` and its subcommands share one group, made by whichever registers first.
CLI::App* TrainGroup(CLI::App& app);
void AddTrainGradCommand(CLI::App& app);    // `train grad`
void AddTrainCommand(CLI::App& app);        // `train RECIPE.json`
void AddTrainExportCommand(CLI::App& app);  // `train export` (cmd_train_export.cc)
// The "eval" group (cmd_eval.cc): its subcommands register inside AddEvalCommands.
void AddEvalCommands(CLI::App& app);
// `eval run` and `eval merge` (cmd_eval_run.cc), registered by AddEvalCommands.
void AddEvalRunCommands(CLI::App& eval);
void AddDataCommand(CLI::App& app);
// `data synth` (cmd_data_synth.cc), registered by AddDataCommand.
void AddDataSynthCommand(CLI::App& data);

}  // namespace hm
