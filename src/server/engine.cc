#include "server/engine.h"

#include <filesystem>
#include <random>

#include "runtime/chat.h"
#include "server/api_error.h"
#include "server/stop_strings.h"
#include "text/chat_template.h"
#include "text/stream_decoder.h"

namespace hm {
namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

GenerationOptions Resolve(const CompletionRequest& r, const GenerationDefaults& d, int max_new) {
  GenerationOptions g;
  g.max_new_tokens = max_new;
  g.stop_ids = d.eos_ids;
  // Absent fields take the checkpoint's generation_config.json, as `hulumed run` does.
  g.sampler.temperature = r.temperature.value_or(d.do_sample ? d.temperature : 0.0f);
  g.sampler.top_p = r.top_p.value_or(d.top_p);
  g.sampler.top_k = d.top_k;
  g.sampler.repetition_penalty = d.repetition_penalty;
  g.sampler.seed = r.seed ? *r.seed : std::random_device{}();
  return g;
}

// The checkpoint folder's name, which clients send back as "model".
std::string ModelName(const std::string& dir) {
  std::filesystem::path p = std::filesystem::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

Engine::Engine(const std::string& model_dir, const EngineOptions& options, Metrics& metrics)
    : options_(options),
      metrics_(metrics),
      model_(model_dir),
      tokenizer_(Tokenizer::FromDir(model_dir)),
      template_(FindChatTemplate(model_dir)),
      preprocessor_(model_.vision() ? ReadPreprocessorConfig(model_dir) : PreprocessorConfig{}),
      name_(ModelName(model_dir)),
      pool_(options.threads) {
  HM_CHECK(options_.parallel >= 1 && options_.max_queue >= 0 && options_.max_tokens >= 1, "serve: invalid limits");
  options_.ctx = std::min<int64_t>(options_.ctx, model_.config().llm.max_positions);
  HM_CHECK(options_.ctx >= 2, "serve: --ctx must be at least 2");
  const int32_t image_token = static_cast<int32_t>(model_.config().image_token_index);
  const KvType kv_type = ResolveKvType(options_.kv_type, model_.weights());
  for (int i = 0; i < options_.parallel; ++i) {
    slots_.push_back(std::make_unique<Session>(model_.config().llm, options_.ctx, image_token, kv_type));
    slot_busy_.push_back(false);
    slot_used_.push_back(0);
  }
  for (int i = 0; i < options_.parallel; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    stopping_ = true;
    for (auto& job : queue_) job->Cancel();
  }
  queue_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

bool Engine::Submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    // Idle workers take a job at once, so the queue proper is what waits behind busy ones.
    if (static_cast<int64_t>(queue_.size()) + active_ >= options_.parallel + options_.max_queue) return false;
    queue_.push_back(std::move(job));
  }
  queue_cv_.notify_one();
  return true;
}

int64_t Engine::queued() const {
  std::lock_guard<std::mutex> l(queue_mu_);
  return static_cast<int64_t>(queue_.size());
}

void Engine::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> l(queue_mu_);
      queue_cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++active_;
    }
    Run(*job);
    --active_;
  }
}

Session& Engine::AcquireSlot(const Prompt& prompt) {
  std::lock_guard<std::mutex> l(slots_mu_);
  int best = -1;
  int64_t best_prefix = -1;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slot_busy_[i]) continue;
    const int64_t prefix = slots_[i]->CommonPrefix(prompt);
    if (prefix > best_prefix || (prefix == best_prefix && slot_used_[i] < slot_used_[best])) {
      best = static_cast<int>(i);
      best_prefix = prefix;
    }
  }
  // A worker holds at most one slot and there are as many slots as workers.
  if (best < 0) FailInternal("serve: no free KV cache slot");
  slot_busy_[best] = true;
  slot_used_[best] = ++uses_;
  return *slots_[best];
}

void Engine::ReleaseSlot(Session& slot) {
  std::lock_guard<std::mutex> l(slots_mu_);
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].get() == &slot) slot_busy_[i] = false;
}

void Engine::Run(Job& job) {
  if (job.cancelled()) return job.Fail(499, "cancelled", "the client went away");
  Usage usage;
  usage.queue_seconds = Seconds(Clock::now() - job.admitted());
  Session* slot = nullptr;
  try {
    Turn turn(turn_);
    if (job.expired()) {
      metrics_.CountTimeout();
      return job.Fail(504, "timeout", "the request timed out while queued");
    }
    CompletionRequest& r = job.request();
    PreparedPrompt p = PreparePrompt(model_, tokenizer_, template_, preprocessor_, r.chat, options_.multimodal, pool_);
    const int64_t n = static_cast<int64_t>(p.prompt.ids.size());
    if (n >= options_.ctx)
      FailRequest("the prompt has ", n, " tokens but the context holds ", options_.ctx, " (server --ctx)");
    const int max_new = static_cast<int>(std::min<int64_t>(std::min(r.max_tokens.value_or(options_.max_tokens), options_.max_tokens), options_.ctx - n));
    const GenerationOptions g = Resolve(r, model_.generation_defaults(), max_new);

    slot = &AcquireSlot(p.prompt);
    // Generate's repetition penalty sees only the ids it is given, so a reused prefix would
    // drop out of it: reuse only when the penalty is off.
    const Prompt rest = slot->Begin(p.prompt, g.sampler.repetition_penalty == 1.0f);
    usage.prompt_tokens = n;
    usage.reused_tokens = n - static_cast<int64_t>(rest.ids.size());
    usage.visual_tokens = p.visual_tokens_kept;
    usage.vision_seconds = p.vision_seconds;
    job.Start(usage);

    StreamDecoder text(tokenizer_, /*skip_special=*/true);
    StopStrings stops(r.stop);
    std::string finish = "length";
    bool first = true;
    const GenerationResult result = Generate(model_.decoder(), slot->cache(), rest, g, pool_, [&](int32_t id) {
      if (first) metrics_.ObserveFirstToken(Seconds(Clock::now() - job.admitted()));
      first = false;
      if (std::find(g.stop_ids.begin(), g.stop_ids.end(), id) != g.stop_ids.end()) {
        finish = "stop";
        return true;  // Generate stops after a stop id by itself
      }
      ++usage.completion_tokens;
      job.Emit(stops.Push(text.Push(id)));
      if (stops.stopped()) finish = "stop";
      else if (job.cancelled()) finish = "cancelled";
      else if (job.expired()) finish = "timeout";
      else {
        turn_.Yield();
        return true;
      }
      return false;
    });
    if (!stops.stopped()) job.Emit(stops.Push(text.Flush()) + stops.Flush());
    slot->End(p.prompt, result.tokens);
    ReleaseSlot(*slot);
    usage.prefill_seconds = result.prefill_seconds;
    usage.decode_seconds = result.decode_seconds;
    metrics_.AddTokens(usage.prompt_tokens, usage.reused_tokens, usage.completion_tokens);
    if (finish == "cancelled") metrics_.CountCancelled();
    if (finish == "timeout") metrics_.CountTimeout();
    job.Finish(finish, usage);
  } catch (const std::exception& e) {
    if (slot) {
      slot->Reset();
      ReleaseSlot(*slot);
    }
    const ErrorStatus status = StatusOf(e);
    job.Fail(status.status, status.type, e.what());
  }
}

}  // namespace hm
