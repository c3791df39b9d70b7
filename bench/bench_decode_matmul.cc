// Decode-step matmul at Hulu-Med-7B shapes: one token (M=1) and the small batches of a
// continuous-batching step (M=2, 4, 8) per quantized format, with the weight bytes moved per
// second beside the machine's measured streaming bandwidth, and each batch's time over the
// one-token time (a step that reads the weights once should cost little more than M=1).
// M=6 shows the batches between the decode dots' 4-token blocks and the 8-token GEMM.
//   bench_decode_matmul [--threads N] [--reps N] [--formats q4_0,q8_0,q4_k] [--shapes attn,up,down,head]
//                       [--clock wall|cpu]
// Matrices rotate over copies that together exceed the last-level cache, as a decode that
// streams the whole model would see them. Timings are medians; on a shared machine compare
// ratios between builds run alternately, not absolute figures, and prefer --clock cpu (the
// process's CPU time: waiting for a core another job holds does not count).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

struct Shape {
  const char* name;
  int64_t rows, cols;
};
constexpr Shape kShapes[] = {{"attn", 3584, 3584}, {"up", 18944, 3584}, {"down", 3584, 18944}, {"head", 152064, 3584}};
struct Format {
  const char* name;
  BlockType type;
};
constexpr Format kFormats[] = {{"q4_0", BlockType::kQ4_0}, {"q8_0", BlockType::kQ8_0}, {"q4_k", BlockType::kQ4_K}};
constexpr int kBatches[] = {1, 2, 4, 6, 8};

// Copies of one matrix filling at least this much memory: beyond any last-level cache.
constexpr size_t kStreamBytes = size_t{1} << 30;
// Distinct quantized rows, repeated to fill a matrix: quantizing every row of the lm head
// would take longer than the benchmark, and the kernels' speed does not depend on the values.
constexpr int64_t kDistinctRows = 256;

struct Weights {
  std::vector<uint8_t> bytes;  // copies back to back
  size_t matrix_bytes = 0;
  size_t copies = 0;
};

Weights Make(BlockType t, const Shape& s) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  const size_t row_bytes = RowBytes(t, s.cols);
  std::vector<uint8_t> distinct(kDistinctRows * row_bytes);
  std::vector<float> row(static_cast<size_t>(s.cols));
  for (int64_t r = 0; r < kDistinctRows; ++r) {
    for (float& v : row) v = dist(rng);
    QuantizeRow(t, row.data(), s.cols, distinct.data() + r * row_bytes);
  }
  Weights w;
  w.matrix_bytes = static_cast<size_t>(s.rows) * row_bytes;
  w.copies = std::max<size_t>(2, (kStreamBytes + w.matrix_bytes - 1) / w.matrix_bytes);
  w.bytes.resize(w.copies * w.matrix_bytes);
  for (size_t off = 0; off < w.bytes.size(); off += distinct.size())
    std::memcpy(w.bytes.data() + off, distinct.data(), std::min(distinct.size(), w.bytes.size() - off));
  return w;
}

double Now(bool cpu) {
  if (!cpu) return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Median seconds of one MatMul with m tokens, each repetition on the next copy.
double Time(const Weights& w, BlockType t, const Shape& s, int m, int reps, bool cpu, ThreadPool& pool, size_t* next) {
  std::vector<float> x(static_cast<size_t>(m * s.cols)), y(static_cast<size_t>(m * s.rows));
  std::mt19937 rng(2);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (float& v : x) v = dist(rng);
  std::vector<double> secs;
  for (int rep = 0; rep < reps; ++rep) {
    const Matrix mat{DType::kF32, s.rows, s.cols, w.bytes.data() + *next * w.matrix_bytes, t};
    *next = (*next + 1) % w.copies;
    const double t0 = Now(cpu);
    MatMul(x.data(), m, mat, nullptr, y.data(), pool);
    secs.push_back(Now(cpu) - t0);
  }
  std::nth_element(secs.begin(), secs.begin() + reps / 2, secs.end());
  return secs[reps / 2];
}

bool Listed(const std::string& list, const char* name) {
  return list.empty() || ("," + list + ",").find(std::string(",") + name + ",") != std::string::npos;
}

int Main(int argc, char** argv) {
  int threads = 2, reps = 15;
  std::string formats, shapes, clock = "wall";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--reps") reps = std::stoi(value);
    else if (flag == "--formats") formats = value;
    else if (flag == "--shapes") shapes = value;
    else if (flag == "--clock" && (value == "wall" || value == "cpu")) clock = value;
    else {
      std::fprintf(stderr, "bench_decode_matmul: unknown flag or value: %s %s\n", flag.c_str(), value.c_str());
      return 2;
    }
  }
  ThreadPool pool(threads);
  const double bandwidth = MeasureMachine(pool).bandwidth_gbs;
  const bool cpu = clock == "cpu";
  std::printf("# %s, %d threads, streaming bandwidth %.1f GB/s, median of %d, %s time\n", ActiveIsa().c_str(), threads,
              bandwidth, reps, clock.c_str());
  std::printf("| format | shape | M=1 ms | M=1 GB/s | %% of bandwidth | M=2/M=1 | M=4/M=1 | M=6/M=1 | M=8/M=1 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Format& f : kFormats) {
    if (!Listed(formats, f.name)) continue;
    for (const Shape& s : kShapes) {
      if (!Listed(shapes, s.name)) continue;
      const Weights w = Make(f.type, s);
      size_t next = 0;
      Time(w, f.type, s, 1, 2, cpu, pool, &next);  // faults the copies' first pages in, warms the pool
      double secs[std::size(kBatches)];
      for (size_t b = 0; b < std::size(kBatches); ++b) secs[b] = Time(w, f.type, s, kBatches[b], reps, cpu, pool, &next);
      const double gbs = w.matrix_bytes / secs[0] / 1e9;
      std::printf("| %s | %lldx%lld | %.2f | %.1f | %.0f | %.2f | %.2f | %.2f | %.2f |\n", f.name, static_cast<long long>(s.rows),
                  static_cast<long long>(s.cols), secs[0] * 1e3, gbs, 100 * gbs / bandwidth, secs[1] / secs[0],
                  secs[2] / secs[0], secs[3] / secs[0], secs[4] / secs[0]);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace
}  // namespace hm::kernels

int main(int argc, char** argv) { return hm::kernels::Main(argc, argv); }
