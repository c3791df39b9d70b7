// The model behind the server, batching continuously. Admitted requests are prepared (chat
// template, tokens, vision encoder) on a thread of their own, then join the batch at a step
// boundary. Each step of the batch loop makes one pass over the decoder's weights for every
// active stream: one row per decoding stream plus a bounded chunk of a joining stream's
// prompt, so a long prompt never stalls the others. Each stream keeps its own KV cache slot
// and sampler; a job reuses the slot whose cached positions share the longest prefix with its
// prompt. A stream that ends (stop, length, client gone) frees its slot before the next step.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "media/preprocessor_config.h"
#include "model/model.h"
#include "runtime/request_policy.h"
#include "runtime/session.h"
#include "server/job.h"
#include "server/metrics.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace hm {

struct EngineOptions {
  int parallel = 2;                // streams in the batch at once (KV cache slots)
  int max_queue = 16;              // requests waiting beyond those; more get 429
  int64_t ctx = 4096;              // KV positions per slot (capped by max_position_embeddings)
  int max_tokens = 1024;           // default and cap for max_tokens
  int threads = 0;                 // compute threads; 0 = all cores
  int64_t prefill_chunk = 256;     // prompt rows a step may add on top of the decoding streams
  std::string kv_type = "auto";    // f32 | bf16 | q8 | auto (f32 for f32 weights, else bf16)
  std::string lora_dir;            // a PEFT LoRA adapter applied beside the weights, or none
  VisualSettings visual;           // resolved against the checkpoint (the bf16 rule) at load
};

class Engine {
 public:
  // Loads the checkpoint; throws hm::Error.
  Engine(const std::string& model_dir, const EngineOptions& options, Metrics& metrics);
  ~Engine();

  const std::string& model_name() const { return name_; }
  const EngineOptions& options() const { return options_; }
  // False when the queue is full (the caller answers 429).
  bool Submit(std::shared_ptr<Job> job);
  int64_t queued() const;
  int64_t active() const { return active_; }

 private:
  struct Stream;
  void PrepareLoop();
  std::unique_ptr<Stream> Prepare(std::shared_ptr<Job> job);
  void BatchLoop();
  void Admit(std::vector<std::unique_ptr<Stream>>& batch);
  void Step(std::vector<std::unique_ptr<Stream>>& batch);
  bool Advance(Stream& s);  // after a step that produced s's next logits; false when s ended
  void Finish(Stream& s, const std::string& reason);
  void Leave();
  Session& AcquireSlot(const Prompt& prompt);
  void ReleaseSlot(Session& slot);

  EngineOptions options_;
  Metrics& metrics_;
  Model model_;
  Tokenizer tokenizer_;
  ChatTemplate template_;
  PreprocessorConfig preprocessor_;
  MultimodalOptions multimodal_;
  std::string name_;
  ThreadPool pool_;        // the batch's decoder passes
  ThreadPool media_pool_;  // vision encoding of joining requests, beside the batch

  std::vector<std::unique_ptr<Session>> slots_;  // used by the batch thread only
  std::vector<bool> slot_busy_;
  std::vector<uint64_t> slot_used_;  // last use, for least-recently-used choice
  uint64_t uses_ = 0;

  mutable std::mutex mu_;
  std::condition_variable queued_cv_, ready_cv_;
  std::deque<std::shared_ptr<Job>> queue_;       // admitted, not yet prepared
  std::deque<std::unique_ptr<Stream>> ready_;    // prepared, waiting for a slot
  int64_t in_flight_ = 0;                        // submitted and not yet ended
  bool stopping_ = false;
  std::atomic<int64_t> active_{0};
  std::thread preparer_, batcher_;
};

}  // namespace hm
