// hulumed lora merge -m BASE --lora ADAPTER --out DIR: a LoRA adapter folded into its base.
#include <cstdio>

#include "apps/commands.h"
#include "model/lora_merge.h"

namespace hm {

void AddLoraCommand(CLI::App& app) {
  auto* lora = app.add_subcommand("lora", "LoRA adapters (PEFT format)");
  lora->require_subcommand(1);
  auto* merge = lora->add_subcommand("merge", "Fold an adapter into its base: W + (alpha/r) B A, as an HF checkpoint");
  struct Args {
    std::string base, adapter, out;
  };
  auto a = std::make_shared<Args>();
  merge->add_option("-m,--model", a->base, "Base HF checkpoint directory (f32, bf16 or f16)")
      ->required()
      ->check(CLI::ExistingDirectory);
  merge->add_option("--lora", a->adapter, "Adapter directory (adapter_config.json, adapter_model.safetensors)")
      ->required()
      ->check(CLI::ExistingDirectory);
  merge->add_option("--out", a->out, "Output checkpoint directory (created)")->required();
  merge->callback([a] {
    const LoraMergeReport r = MergeLoraCheckpoint(a->base, a->adapter, a->out);
    std::fprintf(stderr, "wrote %s: %d tensors merged with the adapter, %d replaced by its projector, %d copied\n",
                 a->out.c_str(), r.merged, r.replaced, r.copied);
  });
}

}  // namespace hm
