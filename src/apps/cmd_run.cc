// hulumed run: one prompt in, generated text (or ids and logits, for verification) out.
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "apps/commands.h"
#include "core/error.h"
#include "io/npy.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "runtime/generate.h"
#include "text/chat_template.h"
#include "text/stream_decoder.h"
#include "text/tokenizer.h"

namespace hm {
namespace {

struct RunOptions {
  std::string model_dir;
  std::string prompt;
  std::string prompt_ids;
  std::string system;
  bool raw = false;
  int max_new_tokens = 256;
  std::optional<float> temperature;
  std::optional<int> top_k;
  std::optional<float> top_p;
  std::optional<float> repetition_penalty;
  uint64_t seed = 0;
  int threads = 0;
  int64_t ctx = 0;
  bool print_ids = false;
  std::string dump_logits;
  bool show_think = false;
  bool verbose = false;
};

std::vector<int32_t> ParseIds(const std::string& text) {
  std::vector<int32_t> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
    }
    HM_CHECK(used > 0 && item.find_first_not_of(" \t", used) == std::string::npos && v >= 0 &&
                 v <= INT32_MAX,
             "--prompt-ids: '", item, "' is not a token id");
    ids.push_back(static_cast<int32_t>(v));
  }
  HM_CHECK(!ids.empty(), "--prompt-ids: no ids given");
  return ids;
}

std::vector<int32_t> PromptIds(const RunOptions& o, const Tokenizer* tokenizer) {
  if (!o.prompt_ids.empty()) return ParseIds(o.prompt_ids);
  HM_CHECK(tokenizer, o.model_dir, ": no tokenizer.json, so the prompt must be given as --prompt-ids");
  if (o.raw) return tokenizer->Encode(o.prompt);
  nlohmann::json messages = nlohmann::json::array();
  if (!o.system.empty()) messages.push_back({{"role", "system"}, {"content", o.system}});
  messages.push_back({{"role", "user"}, {"content", o.prompt}});
  const std::string text = ApplyChatTemplate(FindChatTemplate(o.model_dir), messages,
                                             /*add_generation_prompt=*/true,
                                             {{"enable_thinking", o.show_think}});
  return tokenizer->Encode(text);
}

GenerationOptions ResolveGeneration(const RunOptions& o, const GenerationDefaults& d) {
  GenerationOptions g;
  g.max_new_tokens = o.max_new_tokens;
  g.stop_ids = d.eos_ids;
  g.sampler.temperature = o.temperature.value_or(d.do_sample ? d.temperature : 0.0f);
  g.sampler.top_k = o.top_k.value_or(d.top_k);
  g.sampler.top_p = o.top_p.value_or(d.top_p);
  g.sampler.repetition_penalty = o.repetition_penalty.value_or(d.repetition_penalty);
  g.sampler.seed = o.seed;
  return g;
}

// Prints text as it is generated. Qwen3-based models think aloud between <think> and
// </think>; like the reference's default, that part is hidden unless asked for.
class TextPrinter {
 public:
  TextPrinter(const Tokenizer& tokenizer, bool show_think)
      : decoder_(tokenizer, /*skip_special=*/true),
        think_(tokenizer.TokenId("<think>")),
        end_think_(tokenizer.TokenId("</think>")),
        show_think_(show_think) {}

  void Push(int32_t id) {
    if (!show_think_ && think_ && id == *think_) thinking_ = true;
    const std::string text = decoder_.Push(id);
    if (!thinking_) std::fputs(text.c_str(), stdout);
    if (end_think_ && id == *end_think_) thinking_ = false;
    std::fflush(stdout);
  }
  void Finish() { std::fputs((decoder_.Flush() + "\n").c_str(), stdout); }

 private:
  StreamDecoder decoder_;
  std::optional<int32_t> think_, end_think_;
  bool show_think_;
  bool thinking_ = false;
};

void Run(const RunOptions& o) {
  HM_CHECK(o.prompt.empty() != o.prompt_ids.empty(), "give exactly one of -p/--prompt and --prompt-ids");
  HM_CHECK(o.max_new_tokens >= 0, "-n must be >= 0");
  const auto t0 = std::chrono::steady_clock::now();
  Model model(o.model_dir);
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!model.config().fixture_note.empty())
    std::fprintf(stderr, "note: %s holds an UNTRAINED model (%s): its output is noise.\n",
                 o.model_dir.c_str(), model.config().fixture_note.c_str());

  std::optional<Tokenizer> tokenizer;
  if (std::filesystem::exists(std::filesystem::path(o.model_dir) / "tokenizer.json"))
    tokenizer = Tokenizer::FromDir(o.model_dir);

  Prompt prompt;
  prompt.ids = PromptIds(o, tokenizer ? &*tokenizer : nullptr);
  const int64_t hidden = model.config().llm.hidden;
  prompt.embeddings.resize(prompt.ids.size() * hidden);
  model.decoder().Embed(prompt.ids, prompt.embeddings.data());

  const int64_t n_prompt = static_cast<int64_t>(prompt.ids.size());
  const int64_t ctx = o.ctx > 0 ? o.ctx : std::min<int64_t>(n_prompt + o.max_new_tokens, model.config().llm.max_positions);
  KvCache cache(model.config().llm, std::max<int64_t>(ctx, 1));
  ThreadPool pool(o.threads);
  const GenerationOptions generation = ResolveGeneration(o, model.generation_defaults());

  std::optional<TextPrinter> printer;
  if (tokenizer) printer.emplace(*tokenizer, o.show_think);
  std::vector<float> prompt_logits;
  const GenerationResult result = Generate(
      model.decoder(), cache, prompt, generation, pool,
      [&](int32_t id) {
        if (printer) printer->Push(id);
        return true;
      },
      o.dump_logits.empty() ? nullptr : &prompt_logits);
  if (printer) printer->Finish();

  if (o.print_ids) {
    std::string line = "ids:";
    for (int32_t id : result.tokens) line += " " + std::to_string(id);
    std::printf("%s\n", line.c_str());
  }
  if (!o.dump_logits.empty())
    WriteNpy(o.dump_logits, DType::kF32, {n_prompt, model.config().llm.vocab}, prompt_logits.data());
  if (o.verbose || !o.print_ids) {
    const double decode_tps = result.tokens.size() > 1 ? (result.tokens.size() - 1) / result.decode_seconds : 0;
    std::fprintf(stderr,
                 "load %.2f s | prompt %lld tokens, %.1f tok/s | generated %zu tokens, %.2f tok/s | "
                 "%d threads, %s\n",
                 load_seconds, static_cast<long long>(n_prompt), n_prompt / result.prefill_seconds,
                 result.tokens.size(), decode_tps, pool.size(), kernels::ActiveIsa().c_str());
  }
}

}  // namespace

void AddRunCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Generate a reply to one prompt");
  auto o = std::make_shared<RunOptions>();
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("-p,--prompt", o->prompt, "User message (rendered with the chat template)");
  cmd->add_option("--prompt-ids", o->prompt_ids, "Comma-separated token ids, fed as is");
  cmd->add_option("--system", o->system, "System message");
  cmd->add_flag("--raw", o->raw, "Tokenize the prompt without the chat template");
  cmd->add_option("-n,--max-new-tokens", o->max_new_tokens, "Tokens to generate at most")->capture_default_str();
  cmd->add_option("--temp,--temperature", o->temperature, "Sampling temperature; 0 = greedy (default: generation_config.json)");
  cmd->add_option("--top-k", o->top_k, "Keep the k most likely tokens");
  cmd->add_option("--top-p", o->top_p, "Nucleus sampling mass");
  cmd->add_option("--repeat-penalty,--repetition-penalty", o->repetition_penalty, "HF-style repetition penalty");
  cmd->add_option("--seed", o->seed, "Sampling seed")->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Worker threads (default: all cores)");
  cmd->add_option("--ctx", o->ctx, "KV cache size in tokens (default: prompt + max new tokens)");
  cmd->add_flag("--print-ids", o->print_ids, "Print the generated ids as 'ids: 1 2 3'");
  cmd->add_option("--dump-logits", o->dump_logits, "Write the logits of every prompt position to this .npy");
  cmd->add_flag("--think", o->show_think, "Let Qwen3-based models think, and show the <think> part");
  cmd->add_flag("-v,--verbose", o->verbose, "Print timings");
  cmd->callback([o] {
    if (const char* isa = std::getenv("HULUMED_ISA")) kernels::ForceIsa(isa);
    Run(*o);
  });
}

}  // namespace hm
