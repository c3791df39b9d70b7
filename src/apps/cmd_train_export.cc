// hulumed train export CHECKPOINT --out DIR: a training checkpoint as a model to ship.
#include <cstdio>
#include <memory>

#include "apps/commands.h"
#include "core/error.h"
#include "train/release_checkpoint.h"

namespace hm {

void AddTrainExportCommand(CLI::App& app) {
  auto* cmd = TrainGroup(app)->add_subcommand(
      "export", "Write a checkpoint as a model to ship: weights in f16/bf16/f32, no optimizer or trainer state");
  auto o = std::make_shared<ReleaseOptions>();
  auto dtype = std::make_shared<std::string>("f16");
  cmd->add_option("checkpoint", o->checkpoint_dir, "A `hulumed train` checkpoint folder")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", o->out_dir, "Folder to write (replaced if it exists)")->required();
  cmd->add_option("--dtype", *dtype, "Weight dtype")->check(CLI::IsMember({"f32", "bf16", "f16"}))->capture_default_str();
  cmd->add_option("--file", o->extra_files, "A file to ship beside the weights, e.g. a model card README.md (repeatable)");
  cmd->callback([o, dtype] {
    o->dtype = *dtype == "bf16" ? DType::kBF16 : *dtype == "f16" ? DType::kF16 : DType::kF32;
    const int64_t bytes = WriteRelease(*o);
    std::fprintf(stderr, "wrote %s: %.2f MB of %s weights\n", o->out_dir.c_str(), static_cast<double>(bytes) / 1e6,
                 dtype->c_str());
  });
}

}  // namespace hm
