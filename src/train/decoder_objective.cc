#include "train/decoder_objective.h"

#include <algorithm>
#include <exception>

#include "core/error.h"
#include "kernels/kernels.h"
#include "train/batch_grad.h"

namespace hm {
namespace {

// Samples kept decoded: a micro-batch's worth, so the length check and the first draw of a
// record share one decode without holding a data set's pixels in memory.
constexpr size_t kRecentSamples = 32;

}  // namespace

SampleMediaOptions StageMediaOptions(const StageRecipe& stage) {
  SampleMediaOptions m;
  m.image_merge_size = stage.image_merge_size;
  m.video_merge_size = stage.video_merge_size;
  m.token_reduction = stage.token_reduction;
  m.fps = stage.fps;
  m.max_frames = stage.max_frames;
  m.max_visual_tokens = stage.max_visual_tokens;
  return m;
}

DecoderObjective::DecoderObjective(const std::string& model_dir, int threads, const SampleMediaOptions& media,
                                   DType compute)
    : params_(ParamSet::FromCheckpoint(model_dir)),
      tokenizer_(Tokenizer::FromDir(model_dir)),
      chat_template_(FindChatTemplate(model_dir)),
      builder_(tokenizer_, chat_template_, params_.config(),
               params_.config().vision ? ReadPreprocessorConfig(model_dir) : PreprocessorConfig{},
               media),
      decoder_(params_),
      vision_(params_.config().vision ? std::make_unique<train::VisionTrainer>(params_) : nullptr),
      pool_(threads) {
  HM_CHECK(compute == DType::kF32 || compute == DType::kBF16, "training computes in f32 or bf16, not ",
           DTypeName(compute));
  if (compute == DType::kBF16) {
    bf16_ = std::make_unique<train::Bf16Weights>(params_.params());
    decoder_.set_bf16(bf16_.get());
    if (vision_) vision_->set_bf16(bf16_.get());
  }
}

const TrainingSample& DecoderObjective::Remember(const TrainRecord& record, TrainingSample sample) const {
  // A packed record knows its length; remembering every drawn one would grow with the pack.
  if (!record.packed) lengths_[record.where] = static_cast<int64_t>(sample.tokens.ids.size());
  if (recent_.size() == kRecentSamples) recent_.pop_front();
  recent_.emplace_back(record.where, std::move(sample));
  return recent_.back().second;
}

const TrainingSample& DecoderObjective::Sample(const TrainRecord& record) const {
  for (const auto& [where, sample] : recent_)
    if (where == record.where) return sample;
  return Remember(record, Build(record));
}

TrainingSample DecoderObjective::Build(const TrainRecord& record) const {
  HM_CHECK(record.media.empty() || vision_, record.where, ": the record has media but the checkpoint has no vision encoder");
  return builder_.Build(record);
}

std::vector<std::variant<TrainingSample, std::string>> DecoderObjective::BuildAll(
    const std::vector<const TrainRecord*>& records) {
  std::vector<std::variant<TrainingSample, std::string>> out(records.size());
  pool_.ParallelFor(static_cast<int64_t>(records.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      try {
        out[i] = Build(*records[i]);
      } catch (const std::exception& e) {
        out[i] = std::string(e.what());
      }
    }
  });
  return out;
}

void DecoderObjective::Prepare(std::span<const TrainRecord> records) {
  // In slices, so that a large data set never holds all its pixels at once.
  constexpr size_t kSlice = 256;
  for (size_t begin = 0; begin < records.size(); begin += kSlice) {
    std::vector<const TrainRecord*> slice;
    for (size_t i = begin; i < std::min(records.size(), begin + kSlice); ++i) slice.push_back(&records[i]);
    std::vector<std::variant<TrainingSample, std::string>> built = BuildAll(slice);
    for (size_t i = 0; i < slice.size(); ++i) {
      if (const auto* error = std::get_if<std::string>(&built[i])) errors_[slice[i]->where] = *error;
      else lengths_[slice[i]->where] = static_cast<int64_t>(std::get<TrainingSample>(built[i]).tokens.ids.size());
    }
  }
}

int64_t DecoderObjective::Length(const TrainRecord& record) const {
  if (record.packed) return static_cast<int64_t>(record.packed->tokens.ids.size());
  if (auto error = errors_.find(record.where); error != errors_.end()) throw Error(error->second);
  auto it = lengths_.find(record.where);
  if (it != lengths_.end()) return it->second;
  return static_cast<int64_t>(Sample(record).tokens.ids.size());
}

namespace {

void Freeze(const GroupLrs& lrs, train::DecoderTrainer& decoder, train::VisionTrainer* vision) {
  decoder.set_weight_grads(lrs.Trains(ModuleGroup::kLlm));
  if (vision) vision->set_trains(lrs.Trains(ModuleGroup::kVision), lrs.Trains(ModuleGroup::kProjector));
}

// Samples to workers, longest first to the least loaded: balanced, and fixed by the lengths.
std::vector<std::vector<size_t>> Assign(const std::vector<TrainingSample>& samples, size_t workers) {
  std::vector<size_t> order(samples.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto length = [&](size_t i) { return samples[i].tokens.ids.size(); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return length(a) > length(b); });
  std::vector<std::vector<size_t>> out(workers);
  std::vector<size_t> load(workers, 0);
  for (size_t i : order) {
    const size_t w = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    out[w].push_back(i);
    load[w] += length(i);
  }
  return out;
}

}  // namespace

DecoderObjective::Worker::Worker(const ParamSet& master)
    : params(master.GradientReplica()),
      decoder(params),
      vision(params.config().vision ? std::make_unique<train::VisionTrainer>(params) : nullptr) {}

void DecoderObjective::SetTrainedGroups(const GroupLrs& lrs) {
  trained_ = lrs;
  Freeze(lrs, decoder_, vision_.get());
  for (auto& w : workers_) Freeze(lrs, w->decoder, w->vision.get());
}

LossSum DecoderObjective::SampleParallel(const std::vector<TrainingSample>& samples) {
  const size_t n = std::min(samples.size(), static_cast<size_t>(pool_.size()));
  while (workers_.size() < n) {
    workers_.push_back(std::make_unique<Worker>(params_));
    Worker& w = *workers_.back();
    if (trained_) Freeze(*trained_, w.decoder, w.vision.get());
    w.decoder.set_bf16(bf16_.get());
    if (w.vision) w.vision->set_bf16(bf16_.get());
  }
  const std::vector<std::vector<size_t>> assigned = Assign(samples, n);
  std::vector<LossSum> sums(n);
  std::vector<std::exception_ptr> errors(n);
  pool_.ParallelFor(static_cast<int64_t>(n), 1, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      try {
        std::vector<TrainingSample> mine;
        for (size_t i : assigned[w]) mine.push_back(samples[i]);
        Worker& worker = *workers_[w];
        for (const TrainingSample& s : mine) sums[w].tokens += s.tokens.label_count();
        if (sums[w].tokens == 0) continue;
        const train::BatchLoss loss = train::AccumulateBatchGradients(
            worker.decoder, worker.vision.get(), static_cast<int32_t>(params_.config().image_token_index), mine,
            worker.serial, 1.0f);
        sums[w].loss = loss.loss * static_cast<double>(loss.label_tokens);
      } catch (...) {
        errors[w] = std::current_exception();
      }
    }
  });
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  LossSum sum;
  std::vector<TrainParam>& master = params_.params();
  for (size_t w = 0; w < n; ++w) {
    sum.loss += sums[w].loss;
    sum.tokens += sums[w].tokens;
    std::vector<TrainParam>& replica = workers_[w]->params.params();
    for (size_t i = 0; i < master.size(); ++i) {  // frozen groups' replicas hold zeros
      kernels::AddInPlace(master[i].grad.data(), replica[i].grad.data(), static_cast<int64_t>(master[i].grad.size()));
      std::fill(replica[i].grad.begin(), replica[i].grad.end(), 0.0f);
    }
  }
  return sum;
}

LossSum DecoderObjective::LossAndGrad(const Batch& batch, std::span<TrainParam> params) {
  if (bf16_ && bf16_stale_) {
    bf16_->Refresh(pool_, [this](ModuleGroup g) { return !trained_ || trained_->Trains(g); });
    bf16_stale_ = false;
  }
  // The micro-batch's records that are not cached, decoded side by side.
  auto cached = [&](const TrainRecord* r) -> const TrainingSample* {
    for (const auto& [where, sample] : recent_)
      if (where == r->where) return &sample;
    return nullptr;
  };
  std::vector<const TrainRecord*> missing;
  for (const TrainRecord* r : batch.samples)
    if (!cached(r) && std::find(missing.begin(), missing.end(), r) == missing.end()) missing.push_back(r);
  std::vector<std::variant<TrainingSample, std::string>> built = BuildAll(missing);
  for (const auto& b : built)
    if (const auto* error = std::get_if<std::string>(&b)) throw Error(*error);
  std::vector<TrainingSample> samples;
  for (const TrainRecord* r : batch.samples) {
    const auto at = std::find(missing.begin(), missing.end(), r);
    samples.push_back(at == missing.end() ? *cached(r) : std::get<TrainingSample>(built[at - missing.begin()]));
  }
  for (size_t i = 0; i < missing.size(); ++i) Remember(*missing[i], std::move(std::get<TrainingSample>(built[i])));
  if (samples.size() > 1 && pool_.size() > 1) return SampleParallel(samples);
  LossSum sum;
  for (const TrainingSample& s : samples) sum.tokens += s.tokens.label_count();
  if (sum.tokens == 0) return sum;
  const train::BatchLoss loss = train::AccumulateBatchGradients(
      decoder_, vision_.get(), static_cast<int32_t>(params_.config().image_token_index), samples, pool_, 1.0f);
  sum.loss = loss.loss * static_cast<double>(loss.label_tokens);
  return sum;
}

}  // namespace hm
