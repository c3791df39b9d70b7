#include "train/mpi_collective.h"

#include <mpi.h>

#include <cstdlib>
#include <deque>
#include <string>

#include "core/error.h"

namespace hm {
namespace {

void Check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  Fail(call, ": ", std::string(text, static_cast<size_t>(length)));
}

// MPI counts are int: longer spans go in pieces.
constexpr int64_t kMaxCount = int64_t{1} << 30;

class MpiCollective : public Collective {
 public:
  MpiCollective() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    HM_CHECK(!initialized, "MPI is already initialised in this process");
    Check(MPI_Init(nullptr, nullptr), "MPI_Init");
    // Errors come back as codes (turned into hm::Error) instead of killing the job silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCollective() override {
    while (!pending_.empty()) WaitOldest();
    MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void AllReduceSum(std::span<float> values) override {
    for (size_t at = 0; at < values.size(); at += kMaxCount) {
      const int n = static_cast<int>(std::min<int64_t>(kMaxCount, static_cast<int64_t>(values.size() - at)));
      Check(MPI_Allreduce(MPI_IN_PLACE, values.data() + at, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    }
  }
  double AllReduceSum(double value) override {
    Check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    return value;
  }
  int64_t AllReduceSum(int64_t value) override {
    Check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    return value;
  }

  void StartAllReduceSum(std::span<float> values) override {
    for (size_t at = 0; at < values.size(); at += kMaxCount) {
      const int n = static_cast<int>(std::min<int64_t>(kMaxCount, static_cast<int64_t>(values.size() - at)));
      MPI_Request& request = pending_.emplace_back();
      Check(MPI_Iallreduce(MPI_IN_PLACE, values.data() + at, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &request),
            "MPI_Iallreduce");
    }
    pieces_.push_back(static_cast<int>((values.size() + kMaxCount - 1) / kMaxCount));
  }
  void WaitOldest() override {
    if (pieces_.empty()) return;
    for (int i = 0; i < pieces_.front(); ++i) {
      Check(MPI_Wait(&pending_.front(), MPI_STATUS_IGNORE), "MPI_Wait");
      pending_.pop_front();
    }
    pieces_.pop_front();
  }

  void Barrier() override { Check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

  [[noreturn]] void Abort(int status) override {
    MPI_Abort(MPI_COMM_WORLD, status);
    std::exit(status);  // MPI_Abort does not return; this satisfies [[noreturn]]
  }

 private:
  int rank_ = 0, size_ = 1;
  std::deque<MPI_Request> pending_;
  std::deque<int> pieces_;  // requests per started sum, oldest first
};

}  // namespace

bool LaunchedByMpirun() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(var)) return true;
  return false;
}

std::unique_ptr<Collective> ConnectMpiRanks() { return std::make_unique<MpiCollective>(); }

}  // namespace hm
