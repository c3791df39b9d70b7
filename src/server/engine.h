// The model behind the server: a bounded queue of jobs, `parallel` workers that each hold a
// KV cache slot while they generate, and one TurnLock so that the decoder runs one forward
// pass at a time. Concurrent answers interleave token by token (time slicing, not batched
// matrix products: the decoder takes one sequence per pass). A job reuses the slot whose
// cached positions share the longest prefix with its prompt.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "media/preprocessor_config.h"
#include "model/model.h"
#include "runtime/session.h"
#include "server/job.h"
#include "server/metrics.h"
#include "server/turn_lock.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace hm {

struct EngineOptions {
  int parallel = 2;                // requests generating at once (KV cache slots)
  int max_queue = 16;              // requests waiting beyond those; more get 429
  int64_t ctx = 4096;              // KV positions per slot (capped by max_position_embeddings)
  int max_tokens = 1024;           // default and cap for max_tokens
  int threads = 0;                 // compute threads; 0 = all cores
  std::string kv_type = "auto";    // f32 | bf16 | q8 | auto (f32 for f32 weights, else bf16)
  MultimodalOptions multimodal;
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
  void WorkerLoop();
  void Run(Job& job);
  Session& AcquireSlot(const Prompt& prompt);
  void ReleaseSlot(Session& slot);

  EngineOptions options_;
  Metrics& metrics_;
  Model model_;
  Tokenizer tokenizer_;
  ChatTemplate template_;
  PreprocessorConfig preprocessor_;
  std::string name_;
  ThreadPool pool_;
  TurnLock turn_;

  std::mutex slots_mu_;
  std::vector<std::unique_ptr<Session>> slots_;
  std::vector<bool> slot_busy_;
  std::vector<uint64_t> slot_used_;  // last use, for least-recently-used choice
  uint64_t uses_ = 0;

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::atomic<int64_t> active_{0};
  std::vector<std::thread> workers_;
};

}  // namespace hm
