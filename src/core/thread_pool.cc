#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace hm {
namespace {

// Waiters poll for up to 2 ms before sleeping. A decode step's serial gaps between parallel
// loops (norms, sampling) are far shorter, while on a VM a sleeping vCPU takes tens to hundreds
// of microseconds to wake; a worker that misses the start of a loop finds its chunks taken,
// and one core alone gets about half the machine's bandwidth. (With ~100 us of polling a
// worker was seen at ~19% CPU beside the caller's 100% during decode.) The budget is in time,
// not in pause instructions, whose length differs several-fold between CPUs.
constexpr auto kSpinFor = std::chrono::microseconds(2000);

template <class Ready>
bool SpinUntil(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinFor;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      _mm_pause();
#else
      std::this_thread::yield();
#endif
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);  // spinning workers look only at this
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::RunChunks(std::atomic<int64_t>& ran) {
  int64_t mine = 0;
  for (;;) {
    const int64_t begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
    if (begin >= n_) break;
    (*fn_)(begin, std::min(n_, begin + chunk_));
    ++mine;
  }
  ran.fetch_add(mine, std::memory_order_relaxed);
}

void ThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  for (;;) {
    if (!SpinUntil([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    if (stop_.load(std::memory_order_acquire)) return;
    // The acquire pairs with the caller's release bump, so the call's fields are visible.
    seen = generation_.load(std::memory_order_acquire);
    RunChunks(worker_chunks_);
    if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);  // the caller may be between its check and its wait
      done_.notify_one();
    }
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  // A few chunks per thread balances uneven rows without much atomic traffic. Chunks are
  // whole multiples of grain: callers pick grain as their tile (16- or 64-row weight tiles),
  // and a chunk ending mid-tile sent the quantized GEMM to its slow partial-tile packing.
  const int64_t few = (n + 4 * size() - 1) / (4 * size());
  const int64_t chunk = std::max<int64_t>(1, (few + grain - 1) / grain) * grain;
  if (workers_.empty() || n <= chunk) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    n_ = n;
    chunk_ = chunk;
    next_.store(0, std::memory_order_relaxed);
    busy_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  RunChunks(caller_chunks_);
  if (!SpinUntil([&] { return busy_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return busy_.load(std::memory_order_acquire) == 0; });
  }
  fn_ = nullptr;
}

}  // namespace hm
