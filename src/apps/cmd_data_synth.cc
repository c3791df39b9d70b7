// hulumed data synth: captions, QA and chain-of-thought samples from seed records through
// an OpenAI-compatible endpoint (see data/synth.h). Registered by AddDataCommand.
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "core/error.h"
#include "data/synth.h"

namespace hm {
namespace {

// "30/min", "2/s" or a bare number of requests a minute.
double RequestsPerMinute(const std::string& rate) {
  const size_t slash = rate.find('/');
  const std::string unit = slash == std::string::npos ? "min" : rate.substr(slash + 1);
  const std::string number = rate.substr(0, slash);
  double n = -1;
  size_t used = 0;
  try {
    n = std::stod(number, &used);
  } catch (const std::exception&) {
  }
  HM_CHECK(used == number.size() && n >= 0, "--rate '", rate, "': expected N/min, N/s or N (a minute)");
  if (unit == "min" || unit == "m") return n;
  if (unit == "s" || unit == "sec") return n * 60;
  Fail("--rate '", rate, "': the unit must be /min or /s");
}

}  // namespace

void AddDataSynthCommand(CLI::App& data) {
  auto o = std::make_shared<SynthOptions>();
  o->endpoint.model = "default";
  auto rate = std::make_shared<std::string>("0");
  auto* synth = data.add_subcommand("synth", "Generate captions, QA or chain-of-thought samples through an OpenAI-compatible endpoint");
  synth->add_option("--endpoint", o->endpoint.url, "Base URL, e.g. http://127.0.0.1:8080 (key from $OPENAI_API_KEY)")->required();
  synth->add_option("--model", o->endpoint.model, "The request's model name")->capture_default_str();
  synth->add_option("--task", o->task, "recaption | qa | cot")->required();
  synth->add_option("--in", o->seeds, "Seed records in the training format (.jsonl or .json array)")->required();
  synth->add_option("--out", o->out, "Accepted records (.jsonl, appended); rejected ones go to OUT.rejected.jsonl")->required();
  synth->add_option("--templates", o->templates_dir, "Folder of prompt templates (TASK.txt, verify.txt); default the shipped ones");
  synth->add_option("--rate", *rate, "Requests at most, e.g. 60/min or 2/s (default: no limit)");
  synth->add_option("--burst", o->burst, "Requests that may go at once after a pause")->capture_default_str();
  synth->add_option("--concurrency", o->concurrency, "Seeds in flight at once")->capture_default_str();
  synth->add_option("--cache", o->cache_dir, "Folder of replies by request hash; a re-run with the same prompts sends nothing");
  synth->add_flag("--verify", o->verify, "Ask the verifier prompt about every output that passed the rule checks");
  synth->add_option("--temperature", o->temperature, "Of the generation requests (the verifier's is 0)")->capture_default_str();
  synth->add_option("--max-tokens", o->endpoint.max_tokens, "Per reply")->capture_default_str();
  synth->add_option("--max-chars", o->max_chars, "Longest generated text kept")->capture_default_str();
  synth->add_option("--attempts", o->endpoint.attempts, "Tries per request on connection errors, 429 and 5xx")->capture_default_str();
  synth->callback([o, rate] {
    o->rate_per_minute = RequestsPerMinute(*rate);
    const SynthSummary s = RunSynth(*o, std::cerr);
    std::cout << SynthSummaryTable(s);
    if (s.bad_seeds > 0 || s.failed > 0) throw CLI::RuntimeError(1);
  });
}

}  // namespace hm
