#include "train/pack.h"

#include <filesystem>
#include <optional>

#include "core/error.h"
#include "data/data_file.h"
#include "media/preprocessor_config.h"
#include "model/config.h"
#include "text/chat_template.h"
#include "train/train_record.h"
#include "text/tokenizer.h"
#include "train/training_samples.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kMediaFields[] = {"image", "video", "volume"};

// What decides the tokens: inputs, tokenizer, chat template, model and processor settings.
json PackIdentity(const PackOptions& o, bool has_model_config) {
  json inputs = json::array();
  for (const std::string& in : o.inputs)
    inputs.push_back({{"path", fs::absolute(in).lexically_normal().string()}, {"hash", FileFingerprint(in)}});
  const fs::path dir(o.model_dir);
  json identity = TokenizerIdentity(o.model_dir);
  identity.update({{"inputs", inputs},
                   {"config", has_model_config ? FileFingerprint((dir / "config.json").string()) : "none"},
                   {"preprocessor", fs::exists(dir / "preprocessor_config.json")
                                        ? FileFingerprint((dir / "preprocessor_config.json").string())
                                        : "none"},
                   {"shard_tokens", o.shard_tokens}});
  if (o.media) {
    const SampleMediaOptions& m = *o.media;
    auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    identity["media"] = {{"image_merge_size", optional(m.image_merge_size)},
                         {"video_merge_size", optional(m.video_merge_size)},
                         {"token_reduction", m.token_reduction},
                         {"fps", m.fps},
                         {"max_frames", m.max_frames},
                         {"max_visual_tokens", optional(m.max_visual_tokens)}};
  }
  return identity;
}

// Where the trainer finds the record's pixels again: its media fields and their folder.
json MediaReference(const json& record, const std::string& media_root) {
  json media = json::object();
  for (const char* field : kMediaFields)
    if (record.contains(field)) media[field] = record[field];
  if (!media.empty()) media["media_root"] = fs::absolute(media_root).lexically_normal().string();
  return media;
}

}  // namespace

PackSummary PackRecords(const PackOptions& options) {
  HM_CHECK(!options.inputs.empty(), "data pack: no input files");
  const Tokenizer tokenizer = Tokenizer::FromDir(options.model_dir);
  const ChatTemplate chat_template = FindChatTemplate(options.model_dir);
  const bool has_model_config = fs::exists(fs::path(options.model_dir) / "config.json");
  const ModelConfig config = has_model_config ? LoadModelConfig(options.model_dir) : ModelConfig{};
  const PreprocessorConfig preprocessor =
      has_model_config ? ReadPreprocessorConfig(options.model_dir) : PreprocessorConfig{};

  // A stage's settings, or as `train grad` labels a record: the checkpoint's own.
  SampleMediaOptions media_options;
  media_options.token_reduction = config.use_token_compression;
  if (options.media) media_options = *options.media;
  const TrainingSampleBuilder builder(tokenizer, chat_template, config, preprocessor, media_options);

  TokenShardWriter writer(options.out_dir, PackIdentity(options, has_model_config), options.shard_tokens);
  PackSummary summary;
  summary.resumed_records = writer.records_done();
  if (!writer.complete()) {
    int64_t index = 0;
    for (const std::string& input : options.inputs) {
      const std::string root = MediaRootOf(input);
      ForEachRecord(input, [&](const FileRecord& fr) {
        if (index++ < summary.resumed_records) return;
        if (options.progress && index % 256 == 0) options.progress(index);
        if (!fr.error.empty()) return writer.Skip({fr.where, fr.where + ": " + fr.error});
        const json media = MediaReference(fr.record, root);
        if (!media.empty() && !has_model_config)
          return writer.Skip({fr.where, fr.where + ": a media record needs a checkpoint folder (config.json, "
                                                   "preprocessor_config.json) to count its visual tokens"});
        try {
          TrainingSample sample = builder.Build(ParseTrainRecord(fr.record, fr.where, root));
          writer.Add({fr.where, std::move(sample.tokens), media, std::move(sample.kept)});
        } catch (const std::exception& e) {  // a bad record, or media that do not decode
          const std::string reason = e.what();
          writer.Skip({fr.where, reason.starts_with(fr.where) ? reason : fr.where + ": " + reason});
        }
      });
    }
    writer.Finish();
  }
  // The figures come from the index, so a resumed run reports the whole pack.
  const TokenShardReader reader(options.out_dir);
  summary.records_read = writer.records_done();
  summary.samples = reader.size();
  summary.tokens = reader.tokens();
  summary.skipped = reader.skipped();
  summary.shards = reader.shards().size();
  return summary;
}

}  // namespace hm
