#include "core/thread_pool.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"

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
// Past the first 50 us the poll yields the core between rounds. On a loaded machine the
// thread waited for (the caller, or a worker inside a claimed chunk) may be queued behind the
// waiter on the same core, and a waiter that only spins holds it off for its whole time slice.
constexpr auto kSpinWithoutYieldFor = std::chrono::microseconds(50);

template <class Ready>
bool SpinUntil(Ready ready) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      _mm_pause();
#else
      std::this_thread::yield();
#endif
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited >= kSpinFor) return false;
    if (waited >= kSpinWithoutYieldFor) std::this_thread::yield();
  }
}

// The call word's fields (see call_ in the header). Chunk counts fit 16 bits because
// ParallelFor makes at most 4 chunks per thread and threads are at most kMaxThreads.
constexpr uint64_t kOneChunk = uint64_t{1} << 16;
uint64_t CallWord(uint32_t generation, int64_t chunks) {
  return (uint64_t{generation} << 32) | static_cast<uint64_t>(chunks);
}
uint32_t GenerationOf(uint64_t word) { return static_cast<uint32_t>(word >> 32); }
uint64_t NextChunkOf(uint64_t word) { return (word >> 16) & 0xffff; }
uint64_t ChunksOf(uint64_t word) { return word & 0xffff; }

}  // namespace

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0) num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (num_threads > kMaxThreads) Fail("thread pool: ", num_threads, " threads asked, at most ", kMaxThreads);
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_release);
    // A new generation with no chunks: spinning workers look only at the generation.
    call_.store(CallWord(GenerationOf(call_.load(std::memory_order_relaxed)) + 1, 0), std::memory_order_release);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

int64_t ThreadPool::RunChunks(uint32_t generation) {
  int64_t ran = 0;
  uint64_t word = call_.load(std::memory_order_acquire);
  for (;;) {
    if (GenerationOf(word) != generation || NextChunkOf(word) == ChunksOf(word)) return ran;
    // The claim succeeds only if the word is unchanged: still this call, this chunk still
    // free. On failure `word` is reloaded and checked again. (Only a thread stalled between
    // its load and its claim for a multiple of 2^32 calls, over an hour of them, could be fooled.)
    if (!call_.compare_exchange_weak(word, word + kOneChunk, std::memory_order_acquire)) continue;
    // Holding a claimed chunk keeps the call open (unfinished_ > 0), so fn_, n_ and chunk_
    // stay this call's until the chunk is counted finished.
    const int64_t begin = static_cast<int64_t>(NextChunkOf(word)) * chunk_;
    (*fn_)(begin, std::min(n_, begin + chunk_));
    ++ran;
    word += kOneChunk;  // the likeliest current value; a failed claim corrects it
  }
}

void ThreadPool::WorkerLoop() {
  uint32_t seen = 0;
  const auto moved_on = [&] { return GenerationOf(call_.load(std::memory_order_acquire)) != seen; };
  for (;;) {
    if (!SpinUntil(moved_on)) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, moved_on);
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = GenerationOf(call_.load(std::memory_order_acquire));
    const int64_t ran = RunChunks(seen);
    if (ran == 0) continue;  // woke too late: the caller did not wait for this thread
    worker_chunks_.fetch_add(ran, std::memory_order_relaxed);
    if (unfinished_.fetch_sub(ran, std::memory_order_acq_rel) == ran) {
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
  const int64_t chunks = (n + chunk - 1) / chunk;
  // The previous call is closed (all its chunks claimed and finished), so no thread reads
  // these now; publishing the word with release makes them visible to whoever claims.
  fn_ = &fn;
  n_ = n;
  chunk_ = chunk;
  unfinished_.store(chunks, std::memory_order_relaxed);
  const uint32_t generation = GenerationOf(call_.load(std::memory_order_relaxed)) + 1;
  {
    std::lock_guard<std::mutex> lock(mu_);  // a worker may be between its check and its wait
    call_.store(CallWord(generation, chunks), std::memory_order_release);
  }
  wake_.notify_all();
  const int64_t mine = RunChunks(generation);
  caller_chunks_.fetch_add(mine, std::memory_order_relaxed);
  // Left to wait for: only chunks that workers claimed, and are therefore running.
  if (unfinished_.fetch_sub(mine, std::memory_order_acq_rel) == mine) return;
  const auto finished = [&] { return unfinished_.load(std::memory_order_acquire) == 0; };
  if (!SpinUntil(finished)) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, finished);
  }
}

}  // namespace hm
