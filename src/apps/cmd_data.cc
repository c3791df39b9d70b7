// hulumed data: tools for training data in the reference's format. `phantoms` writes a
// synthetic medical world with known answers, `validate` checks records and their media,
// `stats` summarises a data set, `mix` draws a weighted training mixture, `dedup` drops
// duplicates and evaluation leaks, `synth` generates samples through an endpoint, `tokenizer`
// learns a small BPE from records' text, `pack` writes pre-tokenized shards for the trainer.
#include <cstdio>
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "core/error.h"
#include "data/dedup.h"
#include "data/file_bytes.h"
#include "data/mix.h"
#include "data/phantoms.h"
#include "data/stats.h"
#include "data/stats_chart.h"
#include "data/tokenizer_training.h"
#include "data/validate.h"
#include "train/decoder_objective.h"
#include "train/pack.h"
#include "train/recipe.h"

namespace hm {
namespace {

struct DataOptions {
  PhantomOptions phantoms;
  std::vector<std::string> files;
  std::string media_root;
  CheckOptions check;
  std::string json_out, svg_out;
  std::vector<std::string> mix_sources, upsample;
  MixOptions mix;
  DedupOptions dedup;
  TokenizerTrainingOptions tokenizer;
  PackOptions pack;
  std::string pack_recipe, pack_stage;
};

// The visual settings of the recipe's stage named `stage` (or of its only stage).
SampleMediaOptions RecipeStageMedia(const std::string& recipe_path, const std::string& stage) {
  const Recipe recipe = ReadRecipe(recipe_path);
  if (stage.empty()) {
    HM_CHECK(recipe.stages.size() == 1, recipe_path, " has ", recipe.stages.size(), " stages: name one with --stage");
    return StageMediaOptions(recipe.stages[0]);
  }
  std::string names;
  for (const StageRecipe& s : recipe.stages) {
    if (s.name == stage) return StageMediaOptions(s);
    names += (names.empty() ? "" : ", ") + s.name;
  }
  Fail(recipe_path, ": no stage named ", stage, " (it has ", names, ")");
}

}  // namespace

void AddDataCommand(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Training data: synthetic phantoms, validation, statistics");
  data->require_subcommand(1);
  auto o = std::make_shared<DataOptions>();

  auto* phantoms = data->add_subcommand("phantoms", "Write a synthetic medical world with known ground truth");
  phantoms->add_option("--seed", o->phantoms.seed, "Seed; the same seed and count give the same bytes");
  phantoms->add_option("--count", o->phantoms.count, "Studies (modalities take turns; 7 per round)");
  phantoms->add_option("--out", o->phantoms.out_dir, "Output folder (samples.jsonl, studies.jsonl, study_*/)")->required();
  phantoms->callback([o] {
    const PhantomSummary s = GeneratePhantoms(o->phantoms);
    std::cout << s.studies << " studies, " << s.samples << " samples -> " << o->phantoms.out_dir << "/samples.jsonl\n";
  });

  auto* validate = data->add_subcommand("validate", "Check records and their media; exit status 1 if any is bad");
  validate->add_option("files", o->files, "Data files (.jsonl, or .json holding an array)")->required();
  validate->add_option("-m,--model", o->check.model_dir, "Checkpoint whose tokenizer and processor count the tokens");
  validate->add_option("--media-root", o->media_root, "Folder media paths are relative to (default: each file's)");
  validate->add_option("--max-tokens", o->check.max_tokens, "Budget for text + visual tokens per record");
  validate->add_option("--max-visual-tokens", o->check.max_visual_tokens, "Budget for visual tokens per record");
  validate->callback([o] {
    const ValidateSummary s = ValidateFiles(o->files, o->check, o->media_root, std::cout);
    std::cerr << s.records << " records, " << s.bad << " bad\n";
    if (s.bad > 0) throw CLI::RuntimeError(1);
  });

  auto* stats = data->add_subcommand("stats", "Counts by modality, source, task and language; token histograms");
  stats->add_option("files", o->files, "Data files (.jsonl, or .json holding an array)")->required();
  stats->add_option("-m,--model", o->check.model_dir, "Checkpoint whose tokenizer and processor count the tokens");
  stats->add_option("--media-root", o->media_root, "Folder media paths are relative to (default: each file's)");
  stats->add_option("--json", o->json_out, "Also write the statistics as JSON here");
  stats->add_option("--svg", o->svg_out, "Also write a chart (SVG) here");
  stats->callback([o] {
    const DataStats s = CollectStats(o->files, o->check, o->media_root);
    std::cout << StatsTable(s);
    if (!o->json_out.empty()) WriteFileBytes(o->json_out, StatsJson(s).dump(2) + "\n");
    if (!o->svg_out.empty()) WriteFileBytes(o->svg_out, StatsSvg(s));
  });

  auto* mix = data->add_subcommand("mix", "Draw a seeded training mixture from weighted sources");
  mix->add_option("--source", o->mix_sources, "PATH:WEIGHT or PATH:WEIGHT:CAP (repeatable), e.g. med.jsonl:3 general.jsonl:1")
      ->required();
  mix->add_option("--total", o->mix.total, "Records in the mixture")->required();
  mix->add_option("--seed", o->mix.seed, "Seed; the same inputs and seed give the same file");
  mix->add_option("--upsample", o->upsample, "MODALITY=FACTOR (repeatable): weight a rare modality up within its source");
  mix->add_option("--out", o->mix.out, "Output .jsonl (media paths are rewritten relative to its folder)")->required();
  mix->callback([o] {
    for (const std::string& spec : o->mix_sources) o->mix.sources.push_back(ParseMixSource(spec));
    for (const std::string& spec : o->upsample) {
      const size_t eq = spec.rfind('=');
      HM_CHECK(eq != std::string::npos && eq > 0, "--upsample '", spec, "': expected MODALITY=FACTOR");
      try {
        o->mix.upsample[spec.substr(0, eq)] = std::stod(spec.substr(eq + 1));
      } catch (const std::exception&) {
        Fail("--upsample '", spec, "': the factor must be a number");
      }
    }
    std::cout << "source                    available      pool     drawn  repeated\n";
    for (const MixReport& r : MixData(o->mix)) {
      char row[160];
      std::snprintf(row, sizeof row, "%-24s %10lld %9lld %9lld %9lld\n", r.name.c_str(), static_cast<long long>(r.available),
                    static_cast<long long>(r.pool), static_cast<long long>(r.drawn), static_cast<long long>(r.repeated));
      std::cout << row;
    }
  });

  auto* dedup = data->add_subcommand("dedup", "Drop exact and near duplicates and records leaking evaluation sets");
  dedup->add_option("files", o->dedup.files, "Training data files (the first copy of a duplicate is kept)")->required();
  dedup->add_option("--eval", o->dedup.eval_files, "Evaluation set to decontaminate against (repeatable)");
  dedup->add_option("--out", o->dedup.out, "Kept records (.jsonl)")->required();
  dedup->add_option("--dropped", o->dedup.dropped, "Dropped records with reasons (default: OUT.dropped.jsonl)");
  dedup->add_option("--max-distance", o->dedup.max_hash_distance, "Image hash bits (of 64) within which images are near (0..7)");
  dedup->add_option("--ngram", o->dedup.ngram, "Word n-gram length for text overlap with the eval sets");
  dedup->callback([o] {
    const DedupSummary s = Dedup(o->dedup);
    std::cout << s.records << " records: " << s.kept << " kept; dropped " << s.exact << " exact duplicates, " << s.near
              << " near duplicates, " << s.eval_image << " eval image matches, " << s.eval_text << " eval text overlaps, "
              << s.unreadable << " unreadable\n";
  });

  AddDataSynthCommand(*data);
  auto* tokenizer = data->add_subcommand("tokenizer", "Learn a small byte-level BPE tokenizer from records' text");
  tokenizer->add_option("--from", o->tokenizer.files, "Training records (.jsonl or .json; repeatable)")->required();
  tokenizer->add_option("--vocab", o->tokenizer.vocab_size, "Vocabulary size, added tokens included")->capture_default_str();
  tokenizer->add_option("--out", o->tokenizer.out_dir, "Folder for tokenizer.json and tokenizer_config.json")->required();
  tokenizer->callback([o] {
    o->tokenizer.progress = [](int32_t tokens) { std::cerr << "\r" << tokens << " tokens" << std::flush; };
    const TokenizerTrainingSummary s = TrainTokenizer(o->tokenizer);
    std::cerr << "\r";
    std::cout << s.records << " records, " << s.text_bytes << " bytes of text, " << s.distinct_pieces << " distinct pieces: "
              << s.merges << " merges, vocabulary " << s.vocab_size << " -> " << o->tokenizer.out_dir << "\n";
  });

  auto* pack = data->add_subcommand("pack", "Pre-tokenize records into shards the trainer streams from (resumable)");
  pack->add_option("--in", o->pack.inputs, "Training records (.jsonl or .json; repeatable, packed in order)")->required();
  pack->add_option("-m,--model,--tokenizer", o->pack.model_dir,
                   "Checkpoint (or tokenizer folder: text records only) whose tokenizer and processor make the tokens")
      ->required();
  pack->add_option("--out", o->pack.out_dir, "Shard folder (index.json, shard-*.npy, shard-*.media.jsonl)")->required();
  pack->add_option("--shard-tokens", o->pack.shard_tokens, "Tokens per shard (a shard closes at the first sample past it)")
      ->capture_default_str();
  pack->add_option("--recipe", o->pack_recipe,
                   "Pack for this recipe's stage: its merge sizes, token reduction, fps, frames and visual budget "
                   "(default: the checkpoint's, as `train grad`)");
  pack->add_option("--stage", o->pack_stage, "The recipe's stage (when it has several)");
  pack->callback([o] {
    HM_CHECK(o->pack_stage.empty() || !o->pack_recipe.empty(), "data pack: --stage needs --recipe");
    if (!o->pack_recipe.empty()) o->pack.media = RecipeStageMedia(o->pack_recipe, o->pack_stage);
    o->pack.progress = [](int64_t records) { std::cerr << "\r" << records << " records" << std::flush; };
    const PackSummary s = PackRecords(o->pack);
    std::cerr << "\r";
    for (const SkippedRecord& r : s.skipped) std::cout << r.reason << "\n";
    std::cout << s.records_read << " records (" << s.resumed_records << " already packed): " << s.samples << " samples, "
              << s.tokens << " tokens in " << s.shards << " shards, " << s.skipped.size() << " skipped -> "
              << o->pack.out_dir << "\n";
  });
}

}  // namespace hm
