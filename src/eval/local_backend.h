// A checkpoint run in this process, as MedUniEval runs Hulu-Med (models/HuluMed_Qwen2):
// one user turn with the media first and the prompt after, more than five images become one
// video, greedy decoding, the reply decoded without special tokens and stripped. A sample with
// `messages` (a whole conversation) is rendered by the checkpoint's chat template turn by turn.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "text/chat_template.h"
#include "core/thread_pool.h"
#include "eval/backend.h"
#include "media/preprocessor_config.h"
#include "model/model.h"
#include "runtime/chat.h"
#include "text/tokenizer.h"

namespace hm::eval {

struct LocalOptions {
  std::string model_dir;
  int threads = 0;  // 0 = all cores
  int max_new_tokens = 1024;
  std::string kv_type = "auto";
};

// MedUniEval's HuluMed_Qwen2.process_messages: up to five images are images, more are the
// frames of one video (PIL images, merged 2x2 like every video). A sample's media_specs are
// loaded as they are stated instead.
std::vector<MediaItem> SampleMedia(const EvalSample& sample);

class LocalBackend : public Backend {
 public:
  explicit LocalBackend(LocalOptions options);
  std::string Respond(const EvalSample& sample) override;
  // The decoder's prompt for the sample (its media loaded and encoded); not thread-safe.
  PreparedPrompt Prepare(const EvalSample& sample);
  int max_in_flight() const override { return 1; }  // one generation at a time uses every core
  std::string model_name() const override;

 private:
  LocalOptions options_;
  Model model_;
  Tokenizer tokenizer_;
  ChatTemplate chat_template_;
  std::unique_ptr<PreprocessorConfig> preprocessor_;  // only for checkpoints that take images
  ThreadPool pool_;
  std::mutex mutex_;
};

}  // namespace hm::eval
