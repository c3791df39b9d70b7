// GradientAllReduce against a stand-in for two ranks holding the same gradients: every sum
// doubles, so each trained gradient must come back exactly doubled, frozen ones untouched,
// whatever the bucket size, and no message may exceed a bucket.
#include "train/gradient_allreduce.h"

#include <gtest/gtest.h>

#include <numeric>

namespace hm {
namespace {

class TwinRanks : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  void AllReduceSum(std::span<float> values) override {
    for (float& v : values) v *= 2;
  }
  double AllReduceSum(double value) override { return 2 * value; }
  int64_t AllReduceSum(int64_t value) override { return 2 * value; }
  // Sums land at WaitOldest, as with a real non-blocking sum, so a reducer that reads a
  // buffer before waiting, or reuses one still in flight, sees the wrong values.
  void StartAllReduceSum(std::span<float> values) override {
    ++messages;
    largest = std::max(largest, values.size());
    pending_.push_back(values);
    max_in_flight = std::max(max_in_flight, pending_.size());
  }
  void WaitOldest() override {
    ASSERT_FALSE(pending_.empty());
    AllReduceSum(pending_.front());
    pending_.erase(pending_.begin());
  }
  void Barrier() override {}
  [[noreturn]] void Abort(int) override { std::abort(); }

  size_t messages = 0, largest = 0, max_in_flight = 0;
  size_t pending() const { return pending_.size(); }

 private:
  std::vector<std::span<float>> pending_;
};

TEST(GradientAllReduceTest, SumsTrainedGradientsInBoundedBuckets) {
  const std::vector<size_t> sizes = {3, 5, 1, 17, 4, 2, 9, 40, 6};
  for (size_t bucket : {1, 4, 8, 16, 1000}) {
    std::vector<std::vector<float>> values(sizes.size()), grads(sizes.size());
    std::vector<TrainParam> params;
    for (size_t i = 0; i < sizes.size(); ++i) {
      values[i].assign(sizes[i], 0.0f);
      grads[i].resize(sizes[i]);
      std::iota(grads[i].begin(), grads[i].end(), static_cast<float>(100 * i));
      params.push_back({"p" + std::to_string(i), values[i], grads[i],
                        i % 3 == 1 ? ModuleGroup::kVision : ModuleGroup::kLlm, false});
    }
    GroupLrs lrs;
    lrs.lr[static_cast<int>(ModuleGroup::kLlm)] = 1e-3;
    TwinRanks ranks;
    GradientAllReduce(ranks, bucket).Sum(params, lrs);
    EXPECT_EQ(ranks.pending(), 0u);
    EXPECT_LE(ranks.largest, bucket);
    EXPECT_LE(ranks.max_in_flight, static_cast<size_t>(GradientAllReduce::kInFlight));
    if (bucket == 1000) EXPECT_EQ(ranks.messages, 1u) << "small tensors share one message";
    for (size_t i = 0; i < sizes.size(); ++i)
      for (size_t k = 0; k < sizes[i]; ++k) {
        const float start = static_cast<float>(100 * i + k);
        EXPECT_EQ(grads[i][k], i % 3 == 1 ? start : 2 * start) << "bucket " << bucket << " param " << i << "[" << k << "]";
      }
  }
}

}  // namespace
}  // namespace hm
