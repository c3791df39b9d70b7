#include "data/synth.h"

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "data/data_file.h"
#include "data/data_record.h"
#include "data/response_cache.h"
#include "data/synth_task.h"
#include "data/synth_template.h"
#include "data/synth_verifier.h"
#include "eval/progress.h"
#include "eval/response_log.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using OrderedJson = nlohmann::ordered_json;

struct Seed {
  std::string where;  // "file:LINE"
  std::string id;     // the key a re-run finds the seed's output by
  nlohmann::json record;
  DataRecord parsed;
  SeedText text;
};

// What became of one seed; written in seed order.
struct Outcome {
  std::optional<OrderedJson> accepted, rejected;
  std::string reason;  // the rejection's
  std::string error;   // set when the seed failed
  int64_t cached = 0;
};

// The seed's media as the server's message parts, inline as data: URIs: images as
// image_url, video files as video_url, a frame folder as its frames, volumes as volume_url
// with their sampling options (a series folder was turned away with the seed).
OrderedJson MediaParts(const DataRecord& parsed) {
  OrderedJson parts = OrderedJson::array();
  for (const MediaRef& m : parsed.media) {
    if (m.kind == MediaRef::Kind::kImage) {
      parts.push_back({{"type", "image_url"}, {"image_url", {{"url", eval::DataUri(m.path)}}}});
    } else if (m.kind == MediaRef::Kind::kVideo) {
      if (!fs::is_directory(m.path)) {
        parts.push_back({{"type", "video_url"}, {"video_url", {{"url", eval::DataUri(m.path)}}}});
        continue;
      }
      eval::EvalSample frames;
      frames.media = {m.path};
      for (const std::string& f : eval::MediaFiles(frames))
        parts.push_back({{"type", "image_url"}, {"image_url", {{"url", eval::DataUri(f)}}}});
    } else {
      OrderedJson volume = {{"url", eval::DataUri(m.path)}};
      if (m.slices) volume["slices"] = *m.slices;
      if (!m.axis.empty()) volume["axis"] = m.axis;
      if (!m.window.empty()) volume["window"] = m.window;
      parts.push_back({{"type", "volume_url"}, {"volume_url", volume}});
    }
  }
  return parts;
}

std::string RequestBody(const SynthOptions& o, const OrderedJson& media, const std::string& prompt, double temperature) {
  OrderedJson message = {{"role", "user"}};
  if (media.empty()) {
    message["content"] = prompt;
  } else {
    OrderedJson parts = media;
    parts.push_back({{"type", "text"}, {"text", prompt}});
    message["content"] = parts;
  }
  const OrderedJson body = {{"model", o.endpoint.model},
                            {"messages", OrderedJson::array({message})},
                            {"temperature", temperature},
                            {"max_tokens", o.endpoint.max_tokens},
                            {"stream", false}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

OrderedJson TemplateRef(const SynthTemplate& t) { return {{"name", t.name}, {"hash", t.hash}}; }

class Synthesizer {
 public:
  Synthesizer(const SynthOptions& o, Clock& clock)
      : o_(o),
        task_(ParseSynthTask(o.task)),
        generate_(LoadSynthTemplate(o.templates_dir, o.task)),
        verify_(o.verify ? LoadSynthTemplate(o.templates_dir, "verify") : SynthTemplate{}),
        backend_(o.endpoint),
        cache_(o.cache_dir),
        limiter_(o.rate_per_minute, o.burst, clock),
        out_root_(MediaRootOf(o.out)) {}

  SynthTask task() const { return task_; }
  int64_t requests() const { return requests_; }

  Outcome Run(const Seed& seed) {
    Outcome outcome;
    try {
      const OrderedJson media = MediaParts(seed.parsed);
      const std::string reply = Ask(RequestBody(o_, media, RenderTemplate(generate_, SeedSlots(seed.text)), o_.temperature),
                                    SynthTaskName(task_) + " request", outcome);
      TaskResult result = TurnsFromReply(task_, reply, seed.text, o_.max_chars);
      OrderedJson provenance = {{"source", seed.where}};
      if (seed.record.contains("id")) provenance["seed_id"] = seed.record["id"];
      provenance["task"] = SynthTaskName(task_);
      provenance["template"] = TemplateRef(generate_);
      provenance["model"] = o_.endpoint.model;
      if (!result.rejection && o_.verify) {
        const std::string prompt = RenderTemplate(
            verify_, {{"task", SynthTaskName(task_)}, {"conversation", seed.text.conversation},
                      {"output", TurnsAsText(result.turns)}});
        result.rejection = VerifierRejection(Ask(RequestBody(o_, media, prompt, 0), "verifier request", outcome));
        provenance["verifier"] = {{"template", TemplateRef(verify_)},
                                  {"verdict", result.rejection ? "reject" : "accept"}};
      } else {
        provenance["verifier"] = {{"verdict", result.rejection ? "not asked (rules rejected)" : "not asked"}};
      }
      provenance["rules"] = result.rejection && result.rejection->reason.rfind("verifier", 0) != 0 ? "failed" : "passed";
      if (result.rejection) {
        provenance["reason"] = result.rejection->reason;
        provenance["detail"] = result.rejection->detail;
        provenance["reply"] = reply;
      }
      OrderedJson record = Record(seed, result.turns);
      record["synth"] = provenance;
      if (result.rejection) {
        outcome.rejected = record;
        outcome.reason = result.rejection->reason;
      } else {
        outcome.accepted = record;
      }
    } catch (const std::exception& e) {
      outcome.error = seed.where + ": " + e.what();
    }
    return outcome;
  }

 private:
  std::string Ask(const std::string& body, const std::string& what, Outcome& outcome) {
    if (std::optional<std::string> hit = cache_.Lookup(body)) {
      ++outcome.cached;
      return *hit;
    }
    std::string reply = backend_.Complete(body, what, [this] {
      limiter_.Acquire();
      ++requests_;
    });
    cache_.Store(body, reply);
    return reply;
  }

  // The training record: the seed's media (paths relative to OUT's folder), its modality,
  // source and language, and the generated conversation.
  OrderedJson Record(const Seed& seed, const std::vector<DataTurn>& turns) const {
    nlohmann::json media = nlohmann::json::object();
    for (const char* field : {"image", "video", "volume"})
      if (seed.record.contains(field)) media[field] = seed.record[field];
    RebaseMediaPaths(media, MediaRootOf(o_.seeds), out_root_);
    OrderedJson record = {{"id", seed.id}};
    for (const char* field : {"image", "video", "volume"})
      if (media.contains(field)) record[field] = media[field];
    for (const char* field : {"modality", "source", "language"})
      if (seed.record.contains(field)) record[field] = seed.record[field];
    record["task"] = "synth_" + SynthTaskName(task_);
    OrderedJson conversations = OrderedJson::array();
    for (const DataTurn& turn : turns) conversations.push_back({{"from", turn.from}, {"value", turn.value}});
    record["conversations"] = conversations;
    return record;
  }

  const SynthOptions& o_;
  SynthTask task_;
  SynthTemplate generate_, verify_;
  eval::OpenAiBackend backend_;
  ResponseCache cache_;
  RateLimiter limiter_;
  std::string out_root_;
  std::atomic<int64_t> requests_{0};
};

// The seeds, each parsed and checked; bad ones reported and counted instead.
std::vector<Seed> ReadSeeds(const SynthOptions& o, SynthTask task, SynthSummary& summary, std::ostream& log) {
  std::vector<Seed> seeds;
  const std::string root = MediaRootOf(o.seeds);
  const std::string file_name = fs::path(o.seeds).filename().string();
  ForEachRecord(o.seeds, [&](const FileRecord& fr) {
    ++summary.seeds;
    try {
      HM_CHECK(fr.error.empty(), "invalid JSON: ", fr.error);
      Seed seed{fr.where, "", fr.record, ParseDataRecord(fr.record, root), {}};
      for (const MediaRef& m : seed.parsed.media) {
        HM_CHECK(fs::exists(m.path), m.field, ": ", m.path, ": no such file");
        HM_CHECK(m.kind != MediaRef::Kind::kVolume || !fs::is_directory(m.path), m.field, ": ", m.path,
                 ": a DICOM series folder cannot be sent inline; convert it to NIfTI or one multi-frame DICOM file");
      }
      seed.text = ReadSeed(task, fr.record, seed.parsed);
      seed.id = SynthTaskName(task) + ":" + file_name + fr.where.substr(o.seeds.size());
      seeds.push_back(std::move(seed));
    } catch (const std::exception& e) {
      ++summary.bad_seeds;
      log << fr.where << ": " << e.what() << "\n";
    }
  });
  return seeds;
}

}  // namespace

std::string RejectedPath(const std::string& out) {
  const std::string stem = out.size() > 6 && out.compare(out.size() - 6, 6, ".jsonl") == 0 ? out.substr(0, out.size() - 6) : out;
  return stem + ".rejected.jsonl";
}

SynthSummary RunSynth(const SynthOptions& options, std::ostream& log) {
  HM_CHECK(options.concurrency >= 1, "--concurrency must be at least 1");
  HM_CHECK(options.max_chars >= 1, "--max-chars must be at least 1");
  HM_CHECK(fs::weakly_canonical(options.seeds) != fs::weakly_canonical(options.out), "--out must not be the seed file");
  SteadyClock steady;
  SynthOptions o = options;
  if (o.templates_dir.empty()) o.templates_dir = DefaultSynthTemplateDir();
  Synthesizer synth(o, o.clock ? *o.clock : steady);
  SynthSummary summary;
  std::vector<Seed> seeds = ReadSeeds(o, synth.task(), summary, log);

  eval::ResponseLog accepted(o.out), rejected(RejectedPath(o.out));
  std::vector<const Seed*> pending;
  for (const Seed& seed : seeds) {
    if (accepted.answered().count(seed.id) || rejected.answered().count(seed.id)) ++summary.done_before;
    else pending.push_back(&seed);
  }

  eval::Progress progress("synth " + o.task, static_cast<int64_t>(pending.size()));
  std::mutex mutex;
  std::map<size_t, Outcome> finished;  // waiting for the seeds before them
  size_t next_to_write = 0;
  int64_t settled = 0;
  auto settle = [&](size_t i, Outcome outcome) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!outcome.error.empty()) log << outcome.error << "\n";
    finished.emplace(i, std::move(outcome));
    for (auto it = finished.find(next_to_write); it != finished.end(); it = finished.find(++next_to_write)) {
      Outcome& done = it->second;
      summary.cached += done.cached;
      if (done.accepted) {
        accepted.Append(*done.accepted);
        ++summary.generated;
      } else if (done.rejected) {
        rejected.Append(*done.rejected);
        ++summary.rejected[done.reason];
      } else {
        ++summary.failed;
      }
      finished.erase(it);
    }
    if (o.progress) progress.Update(++settled);
  };

  std::atomic<size_t> next_seed{0};
  std::exception_ptr fatal;  // a write that failed: the run cannot go on
  std::vector<std::thread> workers;
  for (int w = 0; w < std::min<int>(o.concurrency, static_cast<int>(pending.size())); ++w)
    workers.emplace_back([&] {
      try {
        for (size_t i; (i = next_seed++) < pending.size();) settle(i, synth.Run(*pending[i]));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!fatal) fatal = std::current_exception();
        next_seed = pending.size();
      }
    });
  for (std::thread& t : workers) t.join();
  if (fatal) std::rethrow_exception(fatal);
  if (o.progress && !pending.empty()) progress.Finish();
  summary.requests = synth.requests();
  return summary;
}

std::string SynthSummaryTable(const SynthSummary& s) {
  std::ostringstream out;
  auto row = [&](const std::string& name, int64_t n) {
    char line[96];
    std::snprintf(line, sizeof line, "%-32s %8lld\n", name.c_str(), static_cast<long long>(n));
    out << line;
  };
  int64_t rejected = 0;
  for (const auto& [reason, n] : s.rejected) rejected += n;
  row("seeds", s.seeds);
  row("  bad seeds (skipped)", s.bad_seeds);
  row("  done in an earlier run", s.done_before);
  row("generated", s.generated);
  row("rejected", rejected);
  for (const auto& [reason, n] : s.rejected) row("  " + reason, n);
  row("failed (retried next run)", s.failed);
  row("replies from the cache", s.cached);
  row("requests sent", s.requests);
  return out.str();
}

}  // namespace hm
