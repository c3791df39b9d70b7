#include "server/engine.h"

#include <algorithm>
#include <filesystem>

#include "runtime/chat.h"
#include "runtime/sampler.h"
#include "server/api_error.h"
#include "server/stop_strings.h"
#include "text/chat_template.h"
#include "text/stream_decoder.h"

namespace hm {
namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The checkpoint folder's name, which clients send back as "model".
std::string ModelName(const std::string& dir) {
  std::filesystem::path p = std::filesystem::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

void FailJob(Job& job, const std::exception& e) {
  const ErrorStatus status = StatusOf(e);
  job.Fail(status.status, status.type, e.what());
}

}  // namespace

// One request from the moment its prompt is ready until it ends.
struct Engine::Stream {
  Stream(std::shared_ptr<Job> j, const Tokenizer& tokenizer)
      : job(std::move(j)), text(tokenizer, /*skip_special=*/true), stops(job->request().stop) {}

  std::shared_ptr<Job> job;
  PreparedPrompt prepared;
  GenerationOptions gen;
  Usage usage;

  Session* slot = nullptr;
  Prompt rest;          // prompt positions the slot's cache does not hold yet
  int64_t fed = 0;      // of rest, already run through the decoder
  int64_t feeding = 0;  // rows this stream has in the current step
  std::unique_ptr<Sampler> sampler;
  std::vector<int32_t> history;    // prompt and generated ids, for the repetition penalty
  std::vector<int32_t> generated;
  std::vector<float> logits;       // [vocab] of the last position run
  std::vector<float> next;         // [hidden] embedding of the last sampled id
  StreamDecoder text;
  StopStrings stops;
  Clock::time_point joined, first_token;

  bool prefilling() const { return fed < static_cast<int64_t>(rest.ids.size()); }
};

Engine::Engine(const std::string& model_dir, const EngineOptions& options, Metrics& metrics)
    : options_(options),
      metrics_(metrics),
      model_(model_dir, options.lora_dir),
      tokenizer_(Tokenizer::FromDir(model_dir)),
      template_(FindChatTemplate(model_dir)),
      preprocessor_(model_.vision() ? ReadPreprocessorConfig(model_dir) : PreprocessorConfig{}),
      multimodal_(ResolveMultimodalOptions(options.visual, model_.config())),
      name_(ModelName(model_dir)),
      pool_(options.threads),
      media_pool_(options.threads) {
  HM_CHECK(options_.parallel >= 1 && options_.max_queue >= 0 && options_.max_tokens >= 1 && options_.prefill_chunk >= 1,
           "serve: invalid limits");
  options_.ctx = std::min<int64_t>(options_.ctx, model_.config().llm.max_positions);
  HM_CHECK(options_.ctx >= 2, "serve: --ctx must be at least 2");
  const int32_t image_token = static_cast<int32_t>(model_.config().image_token_index);
  const KvType kv_type = ResolveKvType(options_.kv_type, model_.weights());
  for (int i = 0; i < options_.parallel; ++i) {
    slots_.push_back(std::make_unique<Session>(model_.config().llm, options_.ctx, image_token, kv_type));
    slot_busy_.push_back(false);
    slot_used_.push_back(0);
  }
  preparer_ = std::thread([this] { PrepareLoop(); });
  batcher_ = std::thread([this] { BatchLoop(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    for (auto& job : queue_) job->Cancel();
  }
  queued_cv_.notify_all();
  ready_cv_.notify_all();
  preparer_.join();
  batcher_.join();
}

bool Engine::Submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (in_flight_ >= options_.parallel + options_.max_queue) return false;
    ++in_flight_;
    queue_.push_back(std::move(job));
  }
  queued_cv_.notify_one();
  return true;
}

int64_t Engine::queued() const {
  std::lock_guard<std::mutex> l(mu_);
  return in_flight_ - active_;
}

void Engine::PrepareLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> l(mu_);
      queued_cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        for (auto& j : queue_) j->Fail(503, "server_error", "the server is shutting down");
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    std::unique_ptr<Stream> stream = Prepare(job);
    if (!stream) continue;
    std::lock_guard<std::mutex> l(mu_);
    ready_.push_back(std::move(stream));
    ready_cv_.notify_one();
  }
}

// Tokens and visual features for one request; null when the job already ended here.
std::unique_ptr<Engine::Stream> Engine::Prepare(std::shared_ptr<Job> job) {
  if (job->cancelled()) {
    Leave();
    job->Fail(499, "cancelled", "the client went away");
    return nullptr;
  }
  if (job->expired()) {
    metrics_.CountTimeout();
    Leave();
    job->Fail(504, "timeout", "the request timed out while queued");
    return nullptr;
  }
  try {
    auto s = std::make_unique<Stream>(job, tokenizer_);
    CompletionRequest& r = job->request();
    s->usage.queue_seconds = Seconds(Clock::now() - job->admitted());
    r.chat.timestamps = options_.visual.timestamps;
    s->prepared = PreparePrompt(model_, tokenizer_, template_, preprocessor_, r.chat, multimodal_, media_pool_);
    const int64_t n = static_cast<int64_t>(s->prepared.prompt.ids.size());
    if (n >= options_.ctx)
      FailRequest("the prompt has ", n, " tokens but the context holds ", options_.ctx, " (server --ctx)");
    const int max_new = static_cast<int>(
        std::min<int64_t>(std::min(r.max_tokens.value_or(options_.max_tokens), options_.max_tokens), options_.ctx - n));
    s->gen = ResolveGeneration(r.sampling, model_.generation_defaults(), max_new);
    s->usage.prompt_tokens = n;
    s->usage.visual_tokens = s->prepared.visual_tokens_kept;
    s->usage.vision_seconds = s->prepared.vision_seconds;
    if (r.return_token_ids) s->usage.token_ids.emplace();
    return s;
  } catch (const std::exception& e) {
    Leave();
    FailJob(*job, e);
    return nullptr;
  }
}

void Engine::BatchLoop() {
  std::vector<std::unique_ptr<Stream>> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> l(mu_);
      ready_cv_.wait(l, [&] { return stopping_ || !ready_.empty() || !batch.empty(); });
      if (stopping_) break;
    }
    Admit(batch);
    if (!batch.empty()) Step(batch);
  }
  for (auto& s : batch) Finish(*s, "cancelled");
  std::lock_guard<std::mutex> l(mu_);
  for (auto& s : ready_) s->job->Fail(503, "server_error", "the server is shutting down");
}

// Ready streams take free slots at a step boundary.
void Engine::Admit(std::vector<std::unique_ptr<Stream>>& batch) {
  while (static_cast<int>(batch.size()) < options_.parallel) {
    std::unique_ptr<Stream> s;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (ready_.empty()) return;
      s = std::move(ready_.front());
      ready_.pop_front();
    }
    const Prompt& prompt = s->prepared.prompt;
    s->slot = &AcquireSlot(prompt);
    // The repetition penalty sees the whole history, but a reused prefix is not run again:
    // reuse only when the penalty is off, so both paths sample alike.
    s->rest = s->slot->Begin(prompt, s->gen.sampler.repetition_penalty == 1.0f);
    s->usage.reused_tokens = s->usage.prompt_tokens - static_cast<int64_t>(s->rest.ids.size());
    s->sampler = std::make_unique<Sampler>(s->gen.sampler);
    s->history = prompt.ids;
    s->logits.resize(static_cast<size_t>(model_.config().llm.vocab));
    s->next.resize(static_cast<size_t>(model_.config().llm.hidden));
    s->joined = Clock::now();
    s->job->Start(s->usage);
    ++active_;
    batch.push_back(std::move(s));
  }
}

// One pass over the weights: a row for every decoding stream, and prompt rows of the joining
// ones up to the prefill budget, oldest first.
void Engine::Step(std::vector<std::unique_ptr<Stream>>& batch) {
  const int64_t hidden = model_.config().llm.hidden;
  std::vector<Decoder::Segment> segments;
  int64_t budget = options_.prefill_chunk;
  for (auto& s : batch) {
    s->feeding = 0;
    if (s->job->cancelled() || s->job->expired()) continue;
    if (s->prefilling()) {
      s->feeding = std::min<int64_t>(budget, static_cast<int64_t>(s->rest.ids.size()) - s->fed);
      budget -= s->feeding;
      if (s->feeding > 0)
        segments.push_back({s->rest.embeddings.data() + s->fed * hidden, s->feeding, &s->slot->cache(), s->logits.data()});
    } else {
      s->feeding = 1;
      segments.push_back({s->next.data(), 1, &s->slot->cache(), s->logits.data()});
    }
  }
  if (!segments.empty()) {
    try {
      model_.decoder().ForwardBatch(segments, pool_);
    } catch (const std::exception& e) {
      // The caches of every stream in the pass are half written: all of them end here.
      for (auto& s : batch) {
        s->slot->Reset();
        ReleaseSlot(*s->slot);
        --active_;
        Leave();
        FailJob(*s->job, e);
      }
      batch.clear();
      return;
    }
  }
  std::erase_if(batch, [&](std::unique_ptr<Stream>& s) {
    if (s->job->cancelled()) return Finish(*s, "cancelled"), true;
    if (s->job->expired()) return Finish(*s, "timeout"), true;
    if (s->feeding == 0) return false;
    if (s->prefilling()) {
      s->fed += s->feeding;
      if (s->prefilling()) return false;
      s->usage.prefill_seconds = Seconds(Clock::now() - s->joined);
    }
    return !Advance(*s);
  });
}

// Samples the stream's next id from its logits and emits it, as Generate does.
bool Engine::Advance(Stream& s) {
  if (s.generated.empty()) {
    s.first_token = Clock::now();
    metrics_.ObserveFirstToken(Seconds(s.first_token - s.job->admitted()));
  }
  const int32_t id = s.sampler->Next(s.logits, s.history);
  s.job->MarkToken();
  s.history.push_back(id);
  s.generated.push_back(id);
  const auto& stop_ids = s.gen.stop_ids;
  if (std::find(stop_ids.begin(), stop_ids.end(), id) != stop_ids.end()) return Finish(s, "stop"), false;
  ++s.usage.completion_tokens;
  if (s.usage.token_ids) s.usage.token_ids->push_back(id);
  s.job->Emit(s.stops.Push(s.text.Push(id)));
  if (s.stops.stopped()) return Finish(s, "stop"), false;
  if (static_cast<int>(s.generated.size()) >= s.gen.max_new_tokens || s.slot->cache().size() >= s.slot->cache().capacity())
    return Finish(s, "length"), false;
  model_.decoder().Embed({&id, 1}, s.next.data());
  return true;
}

void Engine::Finish(Stream& s, const std::string& reason) {
  if (!s.stops.stopped()) s.job->Emit(s.stops.Push(s.text.Flush()) + s.stops.Flush());
  // The cache holds the prompt rows fed so far and every generated id but the last.
  s.slot->End(s.prepared.prompt, s.generated);
  ReleaseSlot(*s.slot);
  if (!s.generated.empty()) {
    s.usage.decode_seconds = Seconds(Clock::now() - s.first_token);
  } else if (s.usage.prefill_seconds == 0) {
    s.usage.prefill_seconds = Seconds(Clock::now() - s.joined);
  }
  metrics_.AddTokens(s.usage.prompt_tokens, s.usage.reused_tokens, s.usage.completion_tokens);
  if (reason == "cancelled") metrics_.CountCancelled();
  if (reason == "timeout") metrics_.CountTimeout();
  --active_;
  Leave();
  s.job->Finish(reason, s.usage);
}

// A job stops counting against the queue limit before its client hears that it ended, so a
// client that submits again at once is not refused.
void Engine::Leave() {
  std::lock_guard<std::mutex> l(mu_);
  --in_flight_;
}

Session& Engine::AcquireSlot(const Prompt& prompt) {
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
  // The batch holds at most `parallel` streams and there are as many slots.
  if (best < 0) FailInternal("serve: no free KV cache slot");
  slot_busy_[best] = true;
  slot_used_[best] = ++uses_;
  return *slots_[best];
}

void Engine::ReleaseSlot(Session& slot) {
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].get() == &slot) slot_busy_[i] = false;
}

}  // namespace hm
