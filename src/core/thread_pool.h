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
  // num_threads <= 0 means one per hardware thread.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n), in chunks that are multiples of
  // `grain` (only the last may be shorter).
  // Returns when all are done. Not reentrant: fn must not call ParallelFor on this pool.
  void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  // Chunks of split loops run so far by the calling thread and by the workers: with N threads
  // the workers' share should be near (N-1)/N; far below it, workers wake too late to help.
  struct ChunkCounts {
    int64_t caller = 0, workers = 0;
  };
  ChunkCounts chunk_counts() const {
    return {caller_chunks_.load(std::memory_order_relaxed), worker_chunks_.load(std::memory_order_relaxed)};
  }

 private:
  void WorkerLoop();
  void RunChunks(std::atomic<int64_t>& ran);

  std::vector<std::thread> workers_;
  // Decode issues hundreds of short calls per token: waiters spin briefly on the atomics
  // below before sleeping on the condition variables, which costs microseconds per wake.
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<uint64_t> generation_{0};  // bumped for each ParallelFor call
  std::atomic<int> busy_{0};             // workers still inside the current call
  std::atomic<bool> stop_{false};

  // The current loop, valid while busy_ > 0 or the caller is working.
  const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 1;
  std::atomic<int64_t> next_{0};
  std::atomic<int64_t> caller_chunks_{0}, worker_chunks_{0};
};

}  // namespace hm
