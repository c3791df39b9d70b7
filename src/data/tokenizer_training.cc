#include "data/tokenizer_training.h"

#include <filesystem>

#include "core/error.h"
#include "data/data_file.h"
#include "data/data_record.h"
#include "data/file_bytes.h"
#include "text/bpe_trainer.h"
#include "text/tokenizer_json.h"

namespace hm {
namespace {

// The role names Hulu-Med's chat template prints for the training format's speakers.
std::string ChatRole(const std::string& from) {
  if (from == "human") return "user";
  if (from == "gpt") return "assistant";
  return from;
}

}  // namespace

TokenizerTrainingSummary TrainTokenizer(const TokenizerTrainingOptions& options) {
  HM_CHECK(!options.files.empty(), "data tokenizer: no input files (--from)");
  // Never learned from: the added tokens, and the <video> placeholder, which the chat template
  // never shows the model (a video becomes one <image> per frame).
  std::vector<std::string> unlearned = {"<video>"};
  for (const AddedToken& t : HulumedAddedTokens(0)) unlearned.push_back(t.content);
  const int32_t added_count = static_cast<int32_t>(unlearned.size()) - 1;
  HM_CHECK(options.vocab_size >= 256 + added_count, "--vocab ", options.vocab_size, " is too small: the 256 byte tokens and ",
           added_count, " added tokens need ", 256 + added_count);

  std::error_code ec;  // before the work: a folder that cannot be made fails at once
  std::filesystem::create_directories(options.out_dir, ec);
  HM_CHECK(!ec, options.out_dir, ": cannot create the folder: ", ec.message());

  TokenizerTrainingSummary summary;
  BpeCorpus corpus(unlearned);
  for (const std::string& file : options.files) {
    const std::string root = MediaRootOf(file);
    ForEachRecord(file, [&](const FileRecord& fr) {
      HM_CHECK(fr.error.empty(), fr.where, ": ", fr.error);
      DataRecord record;
      try {
        record = ParseDataRecord(fr.record, root);
      } catch (const Error& e) {
        Fail(fr.where, ": ", e.what());
      }
      for (const DataTurn& turn : record.turns)
        corpus.Add("<|im_start|>" + ChatRole(turn.from) + "\n" + turn.value + "<|im_end|>\n");
      ++summary.records;
    });
  }
  HM_CHECK(summary.records > 0, "data tokenizer: the input files hold no records");

  BpeTrainOptions train;
  train.vocab_size = options.vocab_size - added_count;
  train.progress = options.progress;
  const BpeVocabulary vocab = TrainBpe(corpus, train);

  const std::vector<AddedToken> added = HulumedAddedTokens(static_cast<int32_t>(vocab.tokens.size()));
  const std::filesystem::path dir(options.out_dir);
  WriteFileBytes((dir / "tokenizer.json").string(), TokenizerJson(vocab.tokens, vocab.merges, added).dump(2) + "\n");
  // The length limit is the model's to set; this is what a demo model's context holds.
  WriteFileBytes((dir / "tokenizer_config.json").string(), TokenizerConfigJson(added, 4096).dump(2) + "\n");

  summary.text_bytes = corpus.text_bytes();
  summary.distinct_pieces = static_cast<int64_t>(corpus.piece_counts().size());
  summary.merges = static_cast<int32_t>(vocab.merges.size());
  summary.vocab_size = static_cast<int32_t>(vocab.tokens.size()) + added_count;
  return summary;
}

}  // namespace hm
