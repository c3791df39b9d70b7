#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

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

}  // namespace
}  // namespace hm
