#include "core/thread_pool.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <random>
#include <thread>
#include <vector>

#include "core/error.h"

namespace hm {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 7, 1000}) {
      std::vector<int> hits(static_cast<size_t>(n), 0);
      pool.ParallelFor(n, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
      });
      for (int h : hits) EXPECT_EQ(h, 1);
    }
  }
}

TEST(ThreadPool, ChunksAreWholeGrains) {
  ThreadPool pool(2);
  for (int64_t n : {4304, 1000, 64, 17}) {
    std::atomic<int> bad{0};
    pool.ParallelFor(n, 16, [&](int64_t b, int64_t e) {
      if (b % 16 != 0 || (e != n && e % 16 != 0)) ++bad;
    });
    EXPECT_EQ(bad.load(), 0) << n;
  }
}

TEST(ThreadPool, ReusableManyTimes) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  for (int round = 0; round < 2000; ++round)
    pool.ParallelFor(64, 1, [&](int64_t b, int64_t e) { sum += e - b; });
  EXPECT_EQ(sum.load(), 2000 * 64);
}

TEST(ThreadPool, CountsWhoRanTheChunks) {
  ThreadPool pool(2);
  for (int round = 0; round < 100; ++round) pool.ParallelFor(64, 1, [](int64_t, int64_t) {});
  // 64 items over 2 threads: 4 chunks per thread, so 8 chunks a call.
  const ThreadPool::ChunkCounts counts = pool.chunk_counts();
  EXPECT_EQ(counts.caller + counts.workers, 100 * 8);
  ThreadPool inline_pool(1);
  inline_pool.ParallelFor(64, 1, [](int64_t, int64_t) {});
  EXPECT_EQ(inline_pool.chunk_counts().caller + inline_pool.chunk_counts().workers, 0);  // ran inline, uncounted
}


TEST(ThreadPool, ManyShortCallsOfRandomShapeCoverEveryIndexOnce) {
  // 10^5 calls of a few microseconds each: workers keep waking late, after the caller took
  // the call's chunks or began the next call, which is the race the call word guards.
  ThreadPool pool(3);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> size(0, 600), grain_of(1, 64);
  std::vector<int> hits(600, 0);
  int64_t bad_calls = 0;
  for (int call = 0; call < 100000; ++call) {
    const int64_t n = size(rng), grain = grain_of(rng);
    std::atomic<int> misaligned{0};
    pool.ParallelFor(n, grain, [&](int64_t b, int64_t e) {
      if (b % grain != 0 || (e != n && e % grain != 0)) ++misaligned;
      for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
    });
    bool ok = misaligned.load() == 0;
    for (int64_t i = 0; i < n; ++i) {
      ok = ok && hits[static_cast<size_t>(i)] == 1;
      hits[static_cast<size_t>(i)] = 0;
    }
    if (!ok && ++bad_calls <= 5) ADD_FAILURE() << "call " << call << ": n=" << n << " grain=" << grain;
  }
  EXPECT_EQ(bad_calls, 0);
}

TEST(ThreadPool, EmptyAndSingleItemLoopsRunInline) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    int calls = 0;
    for (int64_t n : {int64_t{0}, int64_t{-3}}) pool.ParallelFor(n, 1, [&](int64_t, int64_t) { ++calls; });
    EXPECT_EQ(calls, 0) << threads;
    const std::thread::id caller = std::this_thread::get_id();
    pool.ParallelFor(1, 1, [&](int64_t b, int64_t e) {
      EXPECT_EQ(b, 0);
      EXPECT_EQ(e, 1);
      EXPECT_EQ(std::this_thread::get_id(), caller);
      ++calls;
    });
    EXPECT_EQ(calls, 1) << threads;
  }
}

TEST(ThreadPool, TooManyThreadsIsAnError) {
  EXPECT_THROW(ThreadPool pool(ThreadPool::kMaxThreads + 1), Error);
}

TEST(ThreadPool, DestroysWithSleepingSpinningOrUnusedWorkers) {
  { ThreadPool unused(3); }
  {
    ThreadPool just_used(3);  // its workers are still spinning for the next call
    just_used.ParallelFor(64, 1, [](int64_t, int64_t) {});
  }
  ThreadPool asleep(3);
  asleep.ParallelFor(64, 1, [](int64_t, int64_t) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // past the workers' spin: they sleep
  // The test passes by returning from the destructor.
}

// A worker thread parked in a signal handler, outside any chunk: what a woken worker that
// the scheduler has not run yet looks like to the caller.
std::atomic<bool> g_parked{false};
std::atomic<bool> g_unpark{false};
void ParkUntilReleased(int) {
  g_parked.store(true);
  while (!g_unpark.load()) {
    timespec pause{0, 100000};
    nanosleep(&pause, nullptr);
  }
}

TEST(ThreadPool, CallsFinishWhileAWorkerIsStalled) {
  g_parked.store(false);
  g_unpark.store(false);
  ThreadPool pool(2);
  // Find the worker's thread: the caller's chunk waits until the worker has run one.
  const pthread_t caller = pthread_self();
  std::atomic<bool> found{false};
  pthread_t worker{};
  pool.ParallelFor(64, 1, [&](int64_t, int64_t) {
    if (pthread_equal(pthread_self(), caller)) {
      while (!found.load()) std::this_thread::yield();
    } else if (!found.load()) {
      worker = pthread_self();
      found.store(true);
    }
  });
  ASSERT_TRUE(found.load());

  struct sigaction park = {};
  park.sa_handler = ParkUntilReleased;
  sigemptyset(&park.sa_mask);
  struct sigaction previous = {};
  ASSERT_EQ(sigaction(SIGUSR1, &park, &previous), 0);
  ASSERT_EQ(pthread_kill(worker, SIGUSR1), 0);
  while (!g_parked.load()) std::this_thread::yield();

  // With the worker parked, every call must finish on the caller alone. Before calls joined
  // by claiming chunks, the first call waited for the parked worker forever.
  const ThreadPool::ChunkCounts before = pool.chunk_counts();
  std::atomic<bool> finished_while_parked{false};
  std::thread calls([&] {
    for (int call = 0; call < 1000; ++call) pool.ParallelFor(64, 1, [](int64_t, int64_t) {});
    if (!g_unpark.load()) finished_while_parked.store(true);
  });
  // A deadlock detector, not a speed check: 1000 calls of nothing take milliseconds, so if
  // they are not done after a minute they are waiting for the parked worker.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!finished_while_parked.load() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const ThreadPool::ChunkCounts during = pool.chunk_counts();
  g_unpark.store(true);
  calls.join();
  sigaction(SIGUSR1, &previous, nullptr);

  EXPECT_TRUE(finished_while_parked.load()) << "calls waited for a worker that had not joined them";
  EXPECT_EQ(during.workers, before.workers);
  EXPECT_EQ(during.caller - before.caller, 1000 * 8);  // 64 items, 2 threads: 8 chunks a call
}

}  // namespace
}  // namespace hm
