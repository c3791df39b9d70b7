// hulumed bench -m MODEL: prefill, decode and vision-encoder speed next to this machine's
// limits (measured in-process: first, and for bandwidth again during decode), and peak memory. Ends with one machine-readable line.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

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
  int video_frames = 32;
  int64_t image_side = 448;
  std::string kv_type = "auto";
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
  KvCache cache(c, ctx, ResolveKvType(o.kv_type, model.weights()));
  std::mt19937 rng(7);
  std::vector<int32_t> ids(static_cast<size_t>(o.prompt));
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % std::min<int64_t>(c.vocab, 100000));
  std::vector<float> x(static_cast<size_t>(o.prompt * c.hidden)), logits(static_cast<size_t>(c.vocab));
  model.decoder().Embed(ids, x.data());

  {
    // One untimed token first, as llama-bench warms up: it faults in the mapped weights, which
    // would otherwise be charged to the prefill (several seconds for a 4 GB file).
    KvCache warm(c, 1, cache.type());
    model.decoder().Forward(x.data(), 1, warm, logits.data(), /*all_logits=*/false, pool);
  }
  const auto t_prefill = Clock::now();
  model.decoder().Forward(x.data(), o.prompt, cache, logits.data(), /*all_logits=*/false, pool);
  const double prefill_s = Since(t_prefill);
  const double prefill_tok_s = o.prompt / prefill_s;
  // Attention adds q.k and p.v over the causal prefix: n^2/2 positions per layer.
  const double prefill_macs = o.prompt * cost.macs + 2.0 * c.n_layers * c.n_heads * c.head_dim * o.prompt * o.prompt / 2;
  const double prefill_roof = 2 * prefill_macs / prefill_s / 1e9 / matmul_peak;
  std::printf("prefill: %lld tokens in %.2f s = %.2f tok/s, %.0f GOP/s = %.0f%% of the %s peak\n",
              static_cast<long long>(o.prompt), prefill_s, prefill_tok_s, 2 * prefill_macs / prefill_s / 1e9,
              100 * prefill_roof, quantized ? "int8" : "f32");

  // The bandwidth a shared machine gives swings by 2x within minutes, so decode's roof is
  // sampled between its steps (untimed) rather than taken from the start-up measurement.
  const std::vector<float> probe(kBandwidthProbeBytes / sizeof(float), 1.0f);
  std::vector<double> bandwidth{kernels::StreamReadGbs(probe.data(), static_cast<int64_t>(probe.size()), pool)};
  std::vector<float> e(static_cast<size_t>(c.hidden));
  int32_t next = ids.back();
  double decode_s = 0;
  for (int64_t i = 0; i < o.gen; ++i) {
    const auto t = Clock::now();
    model.decoder().Embed({&next, 1}, e.data());
    model.decoder().Forward(e.data(), 1, cache, logits.data(), false, pool);
    next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    decode_s += Since(t);
    if ((i + 1) % kBandwidthSampleTokens == 0 || i + 1 == o.gen)
      bandwidth.push_back(kernels::StreamReadGbs(probe.data(), static_cast<int64_t>(probe.size()), pool));
  }
  // The median: a neighbour's burst can cut one sample to a third, and a mean would then
  // flatter the ratio.
  std::vector<double> sorted_bandwidth = bandwidth;
  std::nth_element(sorted_bandwidth.begin(), sorted_bandwidth.begin() + sorted_bandwidth.size() / 2,
                   sorted_bandwidth.end());
  const double decode_bandwidth = sorted_bandwidth[sorted_bandwidth.size() / 2];
  const double decode_tok_s = o.gen / decode_s;
  const double roof_tok_s = decode_bandwidth * 1e9 / cost.bytes;
  std::printf("decode: %lld tokens in %.2f s = %.2f tok/s; weights %.2f GB/token, bandwidth during decode %.1f GB/s "
              "(median of %zu samples, %.1f-%.1f), roofline %.2f tok/s -> %.0f%%\n",
              static_cast<long long>(o.gen), decode_s, decode_tok_s, cost.bytes / 1e9, decode_bandwidth,
              bandwidth.size(), *std::min_element(bandwidth.begin(), bandwidth.end()),
              *std::max_element(bandwidth.begin(), bandwidth.end()), roof_tok_s, 100 * decode_tok_s / roof_tok_s);

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
  std::printf("peak RSS: %.2f GB (KV cache %s, %lld positions)\n", PeakRssGb(), KvTypeName(cache.type()),
              static_cast<long long>(ctx));
  std::printf(
      "bench: decode_tok_s=%.2f decode_roof=%.2f prefill_tok_s=%.2f prefill_roof=%.2f vision_image_s=%.2f "
      "vision_video_s=%.2f bandwidth_gbs=%.1f peak_gflops=%.0f\n",
      decode_tok_s, decode_tok_s / roof_tok_s, prefill_tok_s, prefill_roof, image_s, video_s, decode_bandwidth,
      matmul_peak);
}

}  // namespace

void AddBenchCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench", "Measure prefill, decode and vision speed against the machine's limits");
  auto o = std::make_shared<BenchOptions>();
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory (HF or GGUF)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("-t,--threads", o->threads, "Worker threads (default: all cores)");
  cmd->add_option("-p,--prompt-tokens", o->prompt, "Prefill length")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("-n,--gen-tokens", o->gen, "Decode steps")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--ctx", o->ctx, "KV cache size (default: prompt + generated)");
  cmd->add_option("--kv-type", o->kv_type, "KV cache: auto (f32 for f32 weights, else bf16), f32, bf16 or q8")
      ->check(CLI::IsMember({"auto", "f32", "bf16", "q8"}))
      ->capture_default_str();
  cmd->add_option("--video-frames", o->video_frames, "Frames of the video case (0 skips it)")->capture_default_str();
  cmd->add_option("--image-size", o->image_side, "Side in pixels of the image and of each video frame")->capture_default_str();
  cmd->callback([o] {
    if (const char* isa = std::getenv("HULUMED_ISA")) kernels::ForceIsa(isa);
    Bench(*o);
  });
}

}  // namespace hm
