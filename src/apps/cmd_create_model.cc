#include <cstdio>

#include "apps/commands.h"
#include "core/error.h"
#include "model/create_model.h"

namespace hm {

void AddCreateModelCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("create-model", "Write a random-weight (untrained) checkpoint directory");
  auto options = std::make_shared<CreateModelOptions>();
  auto dtype = std::make_shared<std::string>();
  cmd->add_option("--preset", options->preset, "Shape of the model")
      ->check(CLI::IsMember(ModelPresetNames()))
      ->capture_default_str();
  cmd->add_option("out,--out", options->out_dir, "Directory to write")->required();
  cmd->add_option("--tokenizer", options->tokenizer_dir,
                  "Tokenizer folder to carry (its vocabulary sizes the model); the demo preset needs one");
  cmd->add_option("--dtype", *dtype, "Weight dtype: f32, bf16 or f16 (default: f32 for tiny and demo presets, bf16 otherwise)")
      ->check(CLI::IsMember({"f32", "bf16", "f16"}));
  cmd->add_option("--seed", options->seed, "Random seed")->capture_default_str();
  cmd->callback([options, dtype] {
    const bool small = options->preset.starts_with("tiny") || options->preset == "demo";
    const std::string d = dtype->empty() ? (small ? "f32" : "bf16") : *dtype;
    options->dtype = d == "bf16" ? DType::kBF16 : d == "f16" ? DType::kF16 : DType::kF32;
    const int64_t parameters = CreateModel(*options);
    std::fprintf(stderr, "wrote %s (%s preset, %s, %.2fM parameters): untrained random weights, for testing only\n",
                 options->out_dir.c_str(), options->preset.c_str(), d.c_str(), static_cast<double>(parameters) / 1e6);
  });
}

}  // namespace hm
