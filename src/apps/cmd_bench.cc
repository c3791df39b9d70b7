// hulumed bench -m MODEL: prefill, decode and vision-encoder speed next to this machine's
// limits (measured in-process: first, and for bandwidth again during decode), and peak memory. Ends with one machine-readable line.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "apps/bench_serving.h"
#include "apps/commands.h"
#include "core/error.h"
#include "kernels/kernels.h"
#include "model/model.h"

namespace hm {
namespace {

struct BenchOptions {
  std::string model_dir;
  int threads = 0;
  int64_t prompt = 512;
  int64_t gen = 128;
  int64_t ctx = 0;
  int repeat = 3;
  int video_frames = 32;
  int64_t image_side = 448;
  std::string kv_type = "auto";
  std::vector<int> parallel;  // streams per round of the serving benchmark; empty = single stream
};

// Decode's bandwidth samples: 4x the 32 MB L3 of the machines we target, read every 16 steps.
constexpr size_t kBandwidthProbeBytes = size_t{128} << 20;
constexpr int64_t kBandwidthSampleTokens = 16;

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

uint64_t MatrixBytes(const kernels::Matrix& m) {
  if (m.blocks != kernels::BlockType::kNone) return m.rows * kernels::RowBytes(m.blocks, m.cols);
  return static_cast<uint64_t>(m.rows * m.cols) * DTypeSize(m.dtype);
}

bool Quantized(const kernels::Matrix& m) { return m.blocks != kernels::BlockType::kNone; }

// Weight bytes one decode step streams and the multiply-adds of one token's matmuls.
struct DecoderCost {
  uint64_t bytes = 0;
  double macs = 0;
};
DecoderCost CostOf(const DecoderWeights& w) {
  DecoderCost c;
  auto add = [&](const kernels::Matrix& m) {
    c.bytes += MatrixBytes(m);
    c.macs += static_cast<double>(m.rows) * m.cols;
  };
  for (const DecoderLayerWeights& l : w.layers)
    for (const kernels::Matrix* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) add(*m);
  add(w.lm_head);
  return c;
}

// Synthetic patch rows (the encoder's cost does not depend on the pixel values).
PreprocessedMedia SyntheticMedia(int64_t t, int64_t side, int merge, int patch, int channels) {
  PreprocessedMedia m;
  const int64_t g = side / patch;
  m.grid = {t, g, g};
  m.merge_size = merge;
  m.pixels.rows = t * g * g;
  m.pixels.cols = int64_t{channels} * patch * patch;
  m.pixels.data.resize(static_cast<size_t>(m.pixels.rows * m.pixels.cols));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& v : m.pixels.data) v = dist(rng);
  return m;
}

// Encoder multiply-adds for n patches in frames of f patches: projections + MLP + attention.
double VisionMacs(const VisionConfig& v, double n, double per_frame) {
  const double d = v.hidden;
  const double per_layer = n * (4 * d * d + 2 * d * v.intermediate) + 2 * n * per_frame * d;
  return v.n_layers * per_layer + n * d * v.n_channels * v.patch_size * v.patch_size;
}

struct Spread {
  double min = 0, median = 0, max = 0;
};
Spread SpreadOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return {v.front(), n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v.back()};
}

double PeakRssGb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1e6;  // kB -> GB
}

void Bench(const BenchOptions& o) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines while minutes-long runs go on
  ThreadPool pool(o.threads);
  std::printf("hulumed bench: %s, %d threads, %s\n", o.model_dir.c_str(), pool.size(), kernels::ActiveIsa().c_str());
  const kernels::MachinePeaks peaks = kernels::MeasureMachine(pool);
  std::printf("machine: bandwidth %.1f GB/s, f32 FMA %.0f GFLOP/s, int8 dot %.0f GOP/s\n", peaks.bandwidth_gbs,
              peaks.f32_gflops, peaks.int8_gops);

  const auto t_load = Clock::now();
  Model model(o.model_dir);
  std::printf("load: %.2f s\n", Since(t_load));
  const LlmConfig& c = model.config().llm;
  const DecoderCost cost = CostOf(model.weights().decoder);
  const bool quantized = Quantized(model.weights().decoder.layers.at(0).gate);
  const double matmul_peak = quantized ? peaks.int8_gops : peaks.f32_gflops;

  const int64_t ctx = o.ctx > 0 ? o.ctx : o.prompt + o.gen;
  HM_CHECK(ctx >= o.prompt + o.gen, "--ctx ", ctx, " is smaller than the prompt plus generated tokens");
  const KvType kv_type = ResolveKvType(o.kv_type, model.weights());
  std::mt19937 rng(7);
  std::vector<int32_t> ids(static_cast<size_t>(o.prompt));
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % std::min<int64_t>(c.vocab, 100000));
  std::vector<float> x(static_cast<size_t>(o.prompt * c.hidden)), logits(static_cast<size_t>(c.vocab));
  model.decoder().Embed(ids, x.data());

  {
    // One untimed token first, as llama-bench warms up: it faults in the mapped weights, which
    // would otherwise be charged to the prefill (several seconds for a 4 GB file).
    KvCache warm(c, 1, kv_type);
    model.decoder().Forward(x.data(), 1, warm, logits.data(), /*all_logits=*/false, pool);
  }
  // Attention adds q.k and p.v over the causal prefix: n^2/2 positions per layer.
  const double prefill_macs = o.prompt * cost.macs + 2.0 * c.n_layers * c.n_heads * c.head_dim * o.prompt * o.prompt / 2;
  // The bandwidth a shared machine gives swings by 2x within minutes, so decode's roof is
  // sampled between its steps (untimed) rather than taken from the start-up measurement.
  const std::vector<float> probe(kBandwidthProbeBytes / sizeof(float), 1.0f);
  auto sample_bandwidth = [&] {
    return kernels::StreamReadGbs(probe.data(), static_cast<int64_t>(probe.size()), pool);
  };

  // Each round: a fresh cache, the prefill, then o.gen greedy decode steps after it.
  std::vector<double> prefill_tok_s, decode_tok_s, decode_roof, round_bandwidth, round_workers_share;
  for (int round = 1; round <= o.repeat; ++round) {
    KvCache cache(c, ctx, kv_type);
    const auto t_prefill = Clock::now();
    model.decoder().Forward(x.data(), o.prompt, cache, logits.data(), /*all_logits=*/false, pool);
    const double prefill_s = Since(t_prefill);

    std::vector<double> bandwidth{sample_bandwidth()};
    std::vector<float> e(static_cast<size_t>(c.hidden));
    int32_t next = ids.back();
    double decode_s = 0;
    ThreadPool::ChunkCounts decode_chunks;  // the decode steps' own, not the bandwidth probes'
    for (int64_t i = 0; i < o.gen; ++i) {
      const ThreadPool::ChunkCounts before = pool.chunk_counts();
      const auto t = Clock::now();
      model.decoder().Embed({&next, 1}, e.data());
      model.decoder().Forward(e.data(), 1, cache, logits.data(), false, pool);
      next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      decode_s += Since(t);
      const ThreadPool::ChunkCounts after = pool.chunk_counts();
      decode_chunks.caller += after.caller - before.caller;
      decode_chunks.workers += after.workers - before.workers;
      if ((i + 1) % kBandwidthSampleTokens == 0 || i + 1 == o.gen) bandwidth.push_back(sample_bandwidth());
    }
    const double workers_share = static_cast<double>(decode_chunks.workers) /
                                 std::max<int64_t>(1, decode_chunks.workers + decode_chunks.caller);
    // The median: a neighbour's burst can cut one sample to a third, and a mean would then
    // flatter the ratio.
    const Spread bw = SpreadOf(bandwidth);
    const double roof_tok_s = bw.median * 1e9 / cost.bytes;
    prefill_tok_s.push_back(o.prompt / prefill_s);
    decode_tok_s.push_back(o.gen / decode_s);
    decode_roof.push_back(decode_tok_s.back() / roof_tok_s);
    round_bandwidth.push_back(bw.median);
    round_workers_share.push_back(workers_share);
    std::printf("round %d/%d: prefill %lld tokens %.2f tok/s (%.0f GOP/s = %.0f%% of the %s peak); decode %lld tokens "
                "%.2f tok/s, bandwidth during decode %.1f GB/s (median of %zu, %.1f-%.1f) -> %.0f%% of %.2f tok/s roof; "
                "workers ran %.0f%% of decode's parallel chunks (even split: %.0f%%)\n",
                round, o.repeat, static_cast<long long>(o.prompt), prefill_tok_s.back(),
                2 * prefill_macs / prefill_s / 1e9, 100 * 2 * prefill_macs / prefill_s / 1e9 / matmul_peak,
                quantized ? "int8" : "f32", static_cast<long long>(o.gen), decode_tok_s.back(), bw.median,
                bandwidth.size(), bw.min, bw.max, 100 * decode_roof.back(), roof_tok_s, 100 * workers_share,
                100.0 * (pool.size() - 1) / pool.size());
  }
  const Spread prefill = SpreadOf(prefill_tok_s), decode = SpreadOf(decode_tok_s), roof = SpreadOf(decode_roof),
               bandwidth = SpreadOf(round_bandwidth);
  std::printf("prefill pp%lld: %.2f tok/s (min %.2f, max %.2f over %d rounds)\n", static_cast<long long>(o.prompt),
              prefill.median, prefill.min, prefill.max, o.repeat);
  std::printf("decode tg%lld: %.2f tok/s (min %.2f, max %.2f); weights %.2f GB/token; bandwidth during decode %.1f GB/s "
              "(min %.1f, max %.1f); share of roof %.0f%% (min %.0f%%, max %.0f%%)\n",
              static_cast<long long>(o.gen), decode.median, decode.min, decode.max, cost.bytes / 1e9, bandwidth.median,
              bandwidth.min, bandwidth.max, 100 * roof.median, 100 * roof.min, 100 * roof.max);

  double image_s = 0, video_s = 0;
  if (const VisionEncoder* vision = model.vision()) {
    const VisionConfig& v = *model.config().vision;
    const bool vq = Quantized(model.weights().vision->layers.at(0).fc1.weight);
    const double vpeak = vq ? peaks.int8_gops : peaks.f32_gflops;
    auto run = [&](const char* what, int64_t frames, int merge) {
      const PreprocessedMedia media = SyntheticMedia(frames, o.image_side, merge, v.patch_size, v.n_channels);
      const auto t = Clock::now();
      const std::vector<float> features = vision->Project(vision->Encode(media, pool), pool);
      const double s = Since(t);
      const double per_frame = static_cast<double>(media.grid[1] * media.grid[2]);
      const double gops = 2 * VisionMacs(v, static_cast<double>(media.pixels.rows), per_frame) / s / 1e9;
      std::printf("vision %s: %lld frames of %lldx%lld, %lld tokens out, %.2f s, %.0f GOP/s = %.0f%% of the %s peak\n",
                  what, static_cast<long long>(frames), static_cast<long long>(o.image_side),
                  static_cast<long long>(o.image_side), static_cast<long long>(features.size() / c.hidden), s, gops,
                  100 * gops / vpeak, vq ? "int8" : "f32");
      return s;
    };
    image_s = run("image", 1, 1);
    if (o.video_frames > 0) video_s = run("video", o.video_frames, 2);
  }
  std::printf("peak RSS: %.2f GB (KV cache %s, %lld positions)\n", PeakRssGb(), KvTypeName(kv_type),
              static_cast<long long>(ctx));
  // Medians, with each figure's range over the rounds beside it.
  std::printf(
      "bench: decode_tok_s=%.2f decode_tok_s_min=%.2f decode_tok_s_max=%.2f decode_roof=%.2f prefill_tok_s=%.2f "
      "prefill_tok_s_min=%.2f prefill_tok_s_max=%.2f bandwidth_gbs=%.1f bandwidth_gbs_min=%.1f bandwidth_gbs_max=%.1f "
      "decode_workers_share=%.2f vision_image_s=%.2f vision_video_s=%.2f rounds=%d peak_gflops=%.0f\n",
      decode.median, decode.min, decode.max, roof.median, prefill.median, prefill.min, prefill.max, bandwidth.median,
      bandwidth.min, bandwidth.max, SpreadOf(round_workers_share).median, image_s, video_s, o.repeat, matmul_peak);
}

}  // namespace

void AddBenchCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure prefill, decode and vision speed against the machine's limits");
  auto o = std::make_shared<BenchOptions>();
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory (HF or GGUF)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("-t,--threads", o->threads, "Worker threads (default: all cores)");
  cmd->add_option("-p,--prompt-tokens", o->prompt, "Prefill length")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("-n,--gen-tokens", o->gen, "Decode steps")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("-r,--repeat", o->repeat, "Prefill + decode rounds; figures are their median, min and max")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--ctx", o->ctx, "KV cache size (default: prompt + generated)");
  cmd->add_option("--kv-type", o->kv_type, "KV cache: auto (f32 for f32 weights, else bf16), f32, bf16 or q8")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8"}))
      ->capture_default_str();
  cmd->add_option("--video-frames", o->video_frames, "Frames of the video case (0 skips it)")->capture_default_str();
  cmd->add_option("--image-size", o->image_side, "Side in pixels of the image and of each video frame")->capture_default_str();
  cmd->add_option("--parallel", o->parallel,
                  "Benchmark the server's batching instead: rounds of N concurrent streams, e.g. 1,2,4,8")
      ->delimiter(',')
      ->check(CLI::PositiveNumber);
  cmd->callback([o] {
    if (const char* isa = std::getenv("HULUMED_ISA")) kernels::ForceIsa(isa);
    if (!o->parallel.empty()) return BenchServing({o->model_dir, o->threads, o->parallel, o->prompt, o->gen, o->kv_type});
    Bench(*o);
  });
}

}  // namespace hm
