// A fixed set of worker threads that split a loop. The caller's thread works too, so a
// pool of size 1 runs everything inline with no synchronisation.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hm {

class ThreadPool {
 public:
  // num_threads <= 0 means one per hardware thread; more than kMaxThreads is an error.
  static constexpr int kMaxThreads = 4096;
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n), in chunks that are multiples of
  // `grain` (only the last may be shorter).
  // Returns when all are done. Waits only for chunks that workers have begun: a worker that
  // has not joined the call yet (asleep, or woken but not scheduled) is not waited for.
  // One caller at a time, and not reentrant: fn must not call ParallelFor on this pool.
  void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  // Chunks of split loops run so far by the calling thread and by the workers: with N threads
  // the workers' share should be near (N-1)/N; far below it, workers wake too late to help
  // (on a loaded machine, or for loops of a few microseconds) and the caller ran them alone.
  struct ChunkCounts {
    int64_t caller = 0, workers = 0;
  };
  ChunkCounts chunk_counts() const {
    return {caller_chunks_.load(std::memory_order_relaxed), worker_chunks_.load(std::memory_order_relaxed)};
  }

 private:
  void WorkerLoop();
  // Claims and runs chunks of call `generation` until none is left; returns how many it ran.
  int64_t RunChunks(uint32_t generation);

  std::vector<std::thread> workers_;
  // Decode issues hundreds of short calls per token: waiters spin briefly on the atomics
  // below before sleeping on the condition variables, which costs microseconds per wake.
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<bool> stop_{false};

  // The current call as one word: generation (32 bits) | next unclaimed chunk (16) | chunks (16).
  // Threads join a call only by claiming a chunk with a compare-and-swap on this word, so a
  // worker that wakes late, after the call's chunks are all claimed or a later call has
  // begun, fails its claim and touches nothing of the call: the caller never waits for it.
  std::atomic<uint64_t> call_{0};
  // Chunks of the current call not yet finished; the caller returns when it reaches 0.
  std::atomic<int64_t> unfinished_{0};

  // The current loop. Only the caller writes these, and only between calls (unfinished_ == 0,
  // so nobody holds a claimed chunk); a thread reads them only while it holds a claimed chunk.
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 1;
  std::atomic<int64_t> caller_chunks_{0}, worker_chunks_{0};
};

}  // namespace hm
