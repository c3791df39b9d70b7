// What data-parallel training needs from the processes it runs on: who am I, how many are
// we, and sums across all of us. The trainer talks only to this interface, so one process
// (SingleProcess: every sum is the identity) and `mpirun -np N` (train/mpi_collective.h) run
// the same loop, and a test can use either.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace hm {

class Collective {
 public:
  virtual ~Collective() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Every rank passes the same number of values; each ends with the element-wise sum.
  virtual void AllReduceSum(std::span<float> values) = 0;
  virtual double AllReduceSum(double value) = 0;
  virtual int64_t AllReduceSum(int64_t value) = 0;

  // Non-blocking AllReduceSum for bucketed gradients: starts the sum and returns; the
  // values must stay untouched until WaitOldest() has returned for it (sums complete in
  // the order they were started). The default is the blocking sum.
  virtual void StartAllReduceSum(std::span<float> values) { AllReduceSum(values); }
  virtual void WaitOldest() {}

  virtual void Barrier() = 0;

  // Ends every rank with `status`: a rank that fails alone (a bad record under --strict, a
  // full disk) must not leave the others waiting forever in a sum it will never join.
  [[noreturn]] virtual void Abort(int status) = 0;
};

// One process: rank 0 of 1.
class SingleProcess : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void AllReduceSum(std::span<float>) override {}
  double AllReduceSum(double value) override { return value; }
  int64_t AllReduceSum(int64_t value) override { return value; }
  void Barrier() override {}
  [[noreturn]] void Abort(int status) override;
};

}  // namespace hm
