#include "eval/judge.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "eval/answer_text.h"
#include "eval/jsonl.h"

namespace hm::eval {
namespace {

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

EndpointOptions JudgeDefaults(EndpointOptions o) {
  if (o.max_tokens == EndpointOptions{}.max_tokens) o.max_tokens = 4000;  // MedUniEval's judge budget
  return o;
}

}  // namespace

std::string JudgePrompt(const std::string& question, const std::string& response, const std::string& answer) {
  return "\nYour task is to determine whether the user's answer is correct based on the provided questions and "
         "standard answers (for example, if the user expresses a similar meaning to the standard answer, or another "
         "interpretation of the standard answer, it is considered correct.)\n\nThe question is: " +
         question + "\n\nThe standard answer: " + answer + "\n\nThe user's answer: " + response +
         "\n\nPlease strictly follow the following format for output(0 represents correct, 1 represents incorrect):\n"
         "<think>{your concise think step}</think>\n<judge>{0/1}</judge>\n\nfor example:\n<think>The standard answer is "
         "right, and the user's answer is right frontal lobe, they express the same meaning, so it is "
         "correct.</think>\n<judge>0</judge>\n    ";
}

bool JudgeSaysCorrect(const std::string& reply) { return ExtractTag(reply, "judge") == "0"; }

Judge::Judge(EndpointOptions options, const std::string& cache_path)
    : options_(JudgeDefaults(std::move(options))), client_(options_) {
  if (std::filesystem::exists(cache_path))
    for (const auto& r : ReadJsonLines(cache_path, /*skip_torn_last_line=*/true))
      if (r.contains("id") && r.contains("reply")) cached_[r["id"].get<std::string>()] = r["reply"].get<std::string>();
  log_ = std::make_unique<ResponseLog>(cache_path);
}

std::string Judge::CacheKey(const JudgeQuery& query) const {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(Fnv1a(query.prompt)));
  return query.id + "|" + options_.model + "|" + hash;
}

std::vector<JudgeDecision> Judge::Decide(const std::vector<JudgeItem>& items) {
  std::vector<JudgeQuery> queries;
  for (const JudgeItem& item : items)
    queries.push_back({item.id, JudgePrompt(item.question, item.response, item.answer)});
  const std::vector<JudgeReply> replies = Ask(queries);
  std::vector<JudgeDecision> out(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    out[i].reply = replies[i].reply;
    out[i].error = replies[i].error;
    if (replies[i].error.empty()) out[i].correct = JudgeSaysCorrect(replies[i].reply);
  }
  return out;
}

std::string Judge::AskOne(const JudgeQuery& query, const std::function<bool(const std::string&)>& usable) {
  EvalSample ask;
  ask.id = query.id;
  ask.prompt = query.prompt;
  double backoff = options_.first_backoff_seconds;
  for (int attempt = 1;; ++attempt) {
    std::string reply = client_.Respond(ask);  // transport retries are the client's own
    if (!usable || usable(reply)) return reply;
    if (attempt == options_.attempts)
      throw Error("unusable reply after " + std::to_string(attempt) + (attempt == 1 ? " try" : " tries") + ": " +
                  reply.substr(0, 200));
    std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
    backoff *= 2;
  }
}

std::vector<JudgeReply> Judge::Ask(const std::vector<JudgeQuery>& queries,
                                   const std::function<bool(const std::string&)>& usable) {
  std::vector<JudgeReply> out(queries.size());
  std::vector<size_t> todo;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < queries.size(); ++i) {
      const auto it = cached_.find(CacheKey(queries[i]));
      if (it == cached_.end()) todo.push_back(i);
      else out[i].reply = it->second;
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k; (k = next++) < todo.size();) {
      const JudgeQuery& query = queries[todo[k]];
      JudgeReply& r = out[todo[k]];
      const std::string key = CacheKey(query);
      try {
        r.reply = AskOne(query, usable);
        log_->Append({{"id", key}, {"judge_model", options_.model}, {"reply", r.reply}});
      } catch (const std::exception& e) {
        r.error = std::string("judge: ") + e.what();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (r.error.empty()) cached_[key] = r.reply;
      ++asked_;
    }
  };
  const int workers = static_cast<int>(std::min<size_t>(std::max(1, options_.max_in_flight), todo.size()));
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace hm::eval
