#include "runtime/generate.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"

namespace hm {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

GenerationResult Generate(Decoder& decoder, KvCache& cache, const Prompt& prompt,
                          const GenerationOptions& options, ThreadPool& pool,
                          const std::function<bool(int32_t)>& on_token,
                          std::vector<float>* prompt_logits) {
  const int64_t hidden = decoder.config().hidden, vocab = decoder.config().vocab;
  const int64_t n = static_cast<int64_t>(prompt.ids.size());
  HM_CHECK(n > 0, "the prompt is empty");
  HM_CHECK(static_cast<int64_t>(prompt.embeddings.size()) == n * hidden, "prompt embeddings hold ",
           prompt.embeddings.size(), " floats, expected ", n * hidden);
  HM_CHECK(cache.size() + n <= cache.capacity(), "prompt of ", n,
           " tokens does not fit the context of ", cache.capacity(), " (raise --ctx)");

  GenerationResult result;
  std::vector<float> logits(static_cast<size_t>(vocab));
  if (prompt_logits) prompt_logits->resize(static_cast<size_t>(n * vocab));
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t begin = 0; begin < n; begin += options.prefill_chunk) {
    const int64_t len = std::min(options.prefill_chunk, n - begin);
    float* out = prompt_logits ? prompt_logits->data() + begin * vocab : logits.data();
    decoder.Forward(prompt.embeddings.data() + begin * hidden, len, cache, out,
                    prompt_logits != nullptr, pool);
  }
  if (prompt_logits) std::copy_n(prompt_logits->end() - vocab, vocab, logits.begin());
  result.prefill_seconds = SecondsSince(t0);

  const auto t1 = std::chrono::steady_clock::now();
  Sampler sampler(options.sampler);
  std::vector<int32_t> history = prompt.ids;
  std::vector<float> embedding(static_cast<size_t>(hidden));
  for (int step = 0; step < options.max_new_tokens; ++step) {
    const int32_t id = sampler.Next(logits, history);
    result.tokens.push_back(id);
    history.push_back(id);
    const bool stop = std::find(options.stop_ids.begin(), options.stop_ids.end(), id) != options.stop_ids.end();
    if (!on_token(id) || stop) {
      result.stopped_by_id = stop;
      break;
    }
    if (step + 1 == options.max_new_tokens || cache.size() >= cache.capacity()) break;
    decoder.Embed({&id, 1}, embedding.data());
    decoder.Forward(embedding.data(), 1, cache, logits.data(), false, pool);
  }
  result.decode_seconds = SecondsSince(t1);
  return result;
}

}  // namespace hm
