// LLM-as-judge for open answers, as MedUniEval's use_llm_judge does it (utils.py
// get_compare_messages): the judge reads question, standard answer and the user's answer and
// replies <judge>0</judge> for correct. Verdicts are cached in the results folder
// (judge.jsonl, one line per question, response and judge model), so a rerun never asks twice;
// requests go through the OpenAI-compatible client with its bounded retries and in-flight limit.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eval/openai_backend.h"
#include "eval/response_log.h"

namespace hm::eval {

// MedUniEval's judge prompt, character for character.
std::string JudgePrompt(const std::string& question, const std::string& response, const std::string& answer);

// extract(reply, "judge") == "0".
bool JudgeSaysCorrect(const std::string& reply);

struct JudgeItem {
  std::string id;  // the sample's id
  std::string question, response, answer;
};

struct JudgeDecision {
  std::optional<bool> correct;  // nullopt: the judge could not be reached (not cached; asked again next time)
  std::string reply;
  std::string error;
};

// One prompt for the judge; `id` names what is judged (a sample, a sample's rubric item).
struct JudgeQuery {
  std::string id;
  std::string prompt;
};

struct JudgeReply {
  std::string reply;
  std::string error;  // non-empty: no usable reply (not cached; asked again next time)
};

class Judge {
 public:
  // `options.model` is the judge model; its max_tokens defaults to MedUniEval's 4000. The
  // cache file is read once here and appended to as replies arrive.
  Judge(EndpointOptions options, const std::string& cache_path);
  const std::string& model() const { return options_.model; }
  // One decision per item, in order; only items not in the cache reach the endpoint.
  std::vector<JudgeDecision> Decide(const std::vector<JudgeItem>& items);
  // One reply per query, in order, up to options.max_in_flight queries at a time; only
  // queries not in the cache reach the endpoint. A reply `usable` rejects (a malformed
  // verdict) is asked for again, up to options.attempts times with doubling backoff, and
  // then becomes an error; only usable replies are cached.
  std::vector<JudgeReply> Ask(const std::vector<JudgeQuery>& queries,
                              const std::function<bool(const std::string&)>& usable = {});
  int64_t asked() const { return asked_; }  // queries that reached the endpoint

 private:
  std::string CacheKey(const JudgeQuery& query) const;
  std::string AskOne(const JudgeQuery& query, const std::function<bool(const std::string&)>& usable);

  EndpointOptions options_;
  OpenAiBackend client_;
  std::map<std::string, std::string> cached_;  // cache key -> reply
  std::unique_ptr<ResponseLog> log_;
  std::mutex mutex_;  // guards cached_ and asked_
  int64_t asked_ = 0;
};

}  // namespace hm::eval
