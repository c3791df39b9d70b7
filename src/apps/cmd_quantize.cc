// hulumed quantize IN_DIR OUT_DIR --type q8_0|q4_0|q4_k: an HF checkpoint to a GGUF pair.
#include <chrono>
#include <cstdio>

#include "apps/commands.h"
#include "model/gguf_export.h"

namespace hm {

void AddQuantizeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("quantize", "Write an HF checkpoint as GGUF files (text decoder + mmproj)");
  struct Args {
    std::string in_dir, out_dir, type = "q8_0", vision_type = "q8_0";
    int threads = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("in", a->in_dir, "HF checkpoint directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("out", a->out_dir, "Output directory (created)")->required();
  cmd->add_option("--type", a->type, "Text decoder weights")->check(CLI::IsMember({"q8_0", "q4_0", "q4_k"}))->capture_default_str();
  cmd->add_option("--vision-type", a->vision_type, "Vision encoder and projector weights (8 bits keeps it close to bf16)")
      ->check(CLI::IsMember({"q8_0", "q4_0", "q4_k"}))
      ->capture_default_str();
  cmd->add_option("-t,--threads", a->threads, "Worker threads (default: all cores)");
  cmd->callback([a] {
    const auto t0 = std::chrono::steady_clock::now();
    const QuantizeReport r = QuantizeCheckpoint(
        a->in_dir, a->out_dir, {ParseQuantType(a->type), ParseQuantType(a->vision_type), a->threads});
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "wrote %s (%.2f GB)", r.text_file.c_str(), r.text_bytes / 1e9);
    if (!r.vision_file.empty()) std::fprintf(stderr, " and %s (%.2f GB)", r.vision_file.c_str(), r.vision_bytes / 1e9);
    std::fprintf(stderr, ": %d matrices quantized, %d tensors kept dense, %.1f s\n", r.quantized, r.kept, s);
  });
}

}  // namespace hm
