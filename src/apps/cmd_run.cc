// hulumed run: one prompt in, generated text (or ids and logits, for verification) out.
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "apps/commands.h"
#include "apps/default_model.h"
#include "apps/media_flags.h"
#include "core/error.h"
#include "io/npy.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "runtime/chat.h"
#include "runtime/generate.h"
#include "runtime/media_request.h"
#include "runtime/request_policy.h"
#include "text/chat_template.h"
#include "text/stream_decoder.h"
#include "text/tokenizer.h"

namespace hm {
namespace {

struct RunOptions {
  std::string model_dir;
  std::string lora_dir;
  std::string prompt;
  std::string prompt_ids;
  std::string system;
  bool raw = false;
  int max_new_tokens = 256;
  int threads = 0;
  int64_t ctx = 0;
  std::string kv_type = "auto";
  bool print_ids = false;
  std::string dump_logits;
  bool show_think = false;
  bool verbose = false;

  // Media, in command-line order (collected in the callback below), each loaded with the
  // options of media_options.
  std::vector<std::pair<std::string, std::string>> media;  // (flag, path)
  MediaSpec media_options;
  std::string dicomweb;  // the PACS that `dicomweb:` media paths name
  VisualSettings visual;
  SamplingRequest sampling;
};

MediaFormat FlagFormat(const std::string& flag) {
  if (flag == "--image") return MediaFormat::kImage;
  if (flag == "--volume") return MediaFormat::kVolume;
  if (flag == "--dicom") return MediaFormat::kDicom;
  return MediaFormat::kVideo;
}

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

PreparedPrompt BuildPrompt(const RunOptions& o, const Model& model, const Tokenizer* tokenizer, ThreadPool& pool,
                           double* media_seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<MediaItem> media;
  const MediaLimits limits;
  std::optional<DicomWebClient> pacs;
  if (!o.dicomweb.empty()) pacs.emplace(DicomWebConfig::FromEnvironment(o.dicomweb));
  for (const auto& [flag, path] : o.media) {
    CheckRoomForMedia(media.size(), limits, flag);
    MediaSpec spec = o.media_options;
    spec.format = FlagFormat(flag);
    spec.path = path;
    spec.what = flag + " " + path;
    media.push_back(LoadMedia(spec, limits, pacs ? &*pacs : nullptr));
  }
  *media_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const MultimodalOptions options = ResolveMultimodalOptions(o.visual, model.config());
  const PreprocessorConfig preprocessor =
      media.empty() ? PreprocessorConfig{} : ReadPreprocessorConfig(o.model_dir);
  if (!o.prompt_ids.empty())
    return PreparePromptFromIds(model, ParseIds(o.prompt_ids), media, preprocessor, options, pool);
  HM_CHECK(tokenizer, o.model_dir, ": no tokenizer.json, so the prompt must be given as --prompt-ids");
  if (o.raw) {
    HM_CHECK(media.empty(), "--raw takes no media (give --prompt-ids with image placeholders instead)");
    return PreparePromptFromIds(model, tokenizer->Encode(o.prompt), {}, preprocessor, options, pool);
  }
  ChatRequest request;
  if (!o.system.empty()) request.messages.push_back({{"role", "system"}, {"content", o.system}});
  request.messages.push_back(UserMessage(media, o.prompt));
  request.media = std::move(media);
  request.enable_thinking = o.show_think;
  request.timestamps = o.visual.timestamps;
  return PreparePrompt(model, *tokenizer, FindChatTemplate(o.model_dir), preprocessor, request, options, pool);
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
  void Finish() {
    std::fputs((decoder_.Flush() + "\n").c_str(), stdout);
    std::fflush(stdout);
  }

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
  Model model(o.model_dir, o.lora_dir);
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!model.config().fixture_note.empty())
    std::fprintf(stderr, "note: %s holds an UNTRAINED model (%s): its output is noise.\n",
                 o.model_dir.c_str(), model.config().fixture_note.c_str());
  if (!model.config().scope_note.empty())
    std::fprintf(stderr, "note: %s: %s\n", o.model_dir.c_str(), model.config().scope_note.c_str());

  std::optional<Tokenizer> tokenizer;
  if (std::filesystem::exists(std::filesystem::path(o.model_dir) / "tokenizer.json"))
    tokenizer = Tokenizer::FromDir(o.model_dir);

  ThreadPool pool(o.threads);
  double media_seconds = 0;
  const PreparedPrompt prepared = BuildPrompt(o, model, tokenizer ? &*tokenizer : nullptr, pool, &media_seconds);
  const Prompt& prompt = prepared.prompt;
  if (o.verbose && prepared.visual_tokens > 0)
    std::fprintf(stderr, "media: loaded in %.2f s, encoded in %.2f s | visual tokens %lld, kept %lld after reduction\n",
                 media_seconds, prepared.vision_seconds, static_cast<long long>(prepared.visual_tokens),
                 static_cast<long long>(prepared.visual_tokens_kept));

  const int64_t n_prompt = static_cast<int64_t>(prompt.ids.size());
  const int64_t ctx = o.ctx > 0 ? o.ctx : std::min<int64_t>(n_prompt + o.max_new_tokens, model.config().llm.max_positions);
  KvCache cache(model.config().llm, std::max<int64_t>(ctx, 1), ResolveKvType(o.kv_type, model.weights()));
  const GenerationOptions generation = ResolveGeneration(o.sampling, model.generation_defaults(), o.max_new_tokens);

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
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory (default: $HULUMED_MODEL, else the shipped demo model)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--lora", o->lora_dir, "PEFT LoRA adapter directory, applied beside the model's weights")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-p,--prompt", o->prompt, "User message (rendered with the chat template)");
  cmd->add_option("--prompt-ids", o->prompt_ids, "Comma-separated token ids, fed as is");
  cmd->add_option("--system", o->system, "System message");
  cmd->add_option("--dicomweb", o->dicomweb,
                  "DICOMweb root of a PACS; then --dicom dicomweb:STUDY[/SERIES] reads a series from it "
                  "(credentials from HULUMED_DICOMWEB_TOKEN or HULUMED_DICOMWEB_USER/_PASSWORD)");
  cmd->add_flag("--raw", o->raw, "Tokenize the prompt without the chat template");
  cmd->add_option("-n,--max-new-tokens", o->max_new_tokens, "Tokens to generate at most")->capture_default_str();
  cmd->add_option("--temp,--temperature", o->sampling.temperature, "Sampling temperature; 0 = greedy (default: generation_config.json)");
  cmd->add_option("--top-k", o->sampling.top_k, "Keep the k most likely tokens");
  cmd->add_option("--top-p", o->sampling.top_p, "Nucleus sampling mass");
  cmd->add_option("--repeat-penalty,--repetition-penalty", o->sampling.repetition_penalty, "HF-style repetition penalty");
  o->sampling.seed = 0;  // reproducible runs by default
  cmd->add_option("--seed", o->sampling.seed, "Sampling seed (default 0)");
  cmd->add_option("-t,--threads", o->threads, "Worker threads (default: all cores)");
  cmd->add_option("--ctx", o->ctx, "KV cache size in tokens (default: prompt + max new tokens)");
  cmd->add_option("--kv-type", o->kv_type, "KV cache: auto (f32 for f32 weights, else bf16), f32, bf16 or q8")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8"}))
      ->capture_default_str();
  cmd->add_flag("--print-ids", o->print_ids, "Print the generated ids as 'ids: 1 2 3'");
  cmd->add_option("--dump-logits", o->dump_logits, "Write the logits of every prompt position to this .npy");
  cmd->add_flag("--think", o->show_think, "Let Qwen3-based models think, and show the <think> part");
  cmd->add_flag("-v,--verbose", o->verbose, "Print timings and visual token counts");

  const char* kMedia = "Media (repeatable; order on the command line is the order in the prompt)";
  // A file or folder that exists, or a series on the --dicomweb PACS.
  const CLI::Validator media_path(
      [](std::string& path) { return path.rfind("dicomweb:", 0) == 0 ? std::string() : CLI::ExistingPath(path); }, "PATH");
  for (const char* flag : {"--image", "--volume", "--dicom", "--video"}) {
    const std::string name = flag;
    cmd->add_option_function<std::vector<std::string>>(
           name,
           [](const std::vector<std::string>&) {},  // collected in parse order below
           name == "--image"    ? "2D image file (PNG, JPEG)"
           : name == "--volume" ? "NIfTI volume (.nii, .nii.gz) or DICOM (told apart by content)"
           : name == "--dicom"  ? "DICOM file, multi-frame file, series folder, or dicomweb:STUDY[/SERIES] (--dicomweb)"
                                : "Video file (mp4, avi, mkv, webm, gif, DICOM cine loop) or a folder of frames")
        ->group(kMedia)
        ->check(media_path);
  }
  AddMediaOptionFlags(*cmd, o->media_options, kMedia);
  AddVisualFlags(*cmd, o->visual, kMedia);
  cmd->callback([o, cmd] {
    for (const CLI::Option* opt : cmd->parse_order()) {
      const std::string name = opt->get_name();
      if (name != "--image" && name != "--volume" && name != "--dicom" && name != "--video") continue;
      // parse_order lists an option once per occurrence; take its values in turn.
      const size_t seen = std::count_if(o->media.begin(), o->media.end(), [&](const auto& m) { return m.first == name; });
      o->media.emplace_back(name, opt->results().at(seen));
    }
    if (const char* isa = std::getenv("HULUMED_ISA")) kernels::ForceIsa(isa);
    o->model_dir = ModelDirOrDefault(o->model_dir);
    Run(*o);
  });
}

}  // namespace hm
