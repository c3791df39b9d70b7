// A fake OpenAI-compatible server on loopback for the runner's tests: answers every chat
// completion with a fixed reply, records what it was sent, and can fail on request.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace hm::eval {

class FakeEndpoint {
 public:
  FakeEndpoint() {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const int now = ++in_flight_;
      int seen = max_in_flight_.load();
      while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
      }
      const nlohmann::json body = nlohmann::json::parse(req.body);
      std::string text;
      int images = 0;
      const auto& content = body["messages"][0]["content"];
      if (content.is_string()) {
        text = content.get<std::string>();
      } else {
        for (const auto& part : content) {
          if (part["type"] == "image_url") ++images;
          else text = part["text"].get<std::string>();
        }
      }
      int status = 200;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back({text, images, req.get_header_value("Authorization"), body});
        if (text.find(fail_marker_) != std::string::npos && !fail_marker_.empty()) status = fail_status_;
        if (transient_failures_ > 0) {
          --transient_failures_;
          status = transient_status_;
        }
      }
      --in_flight_;
      if (status != 200) {
        res.status = status;
        res.set_content(R"({"error":{"message":"nope"}})", "application/json");
        return;
      }
      std::function<std::string(const std::string&)> reply_fn;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        reply_fn = reply_;
      }
      const nlohmann::json reply = {
          {"object", "chat.completion"},
          {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", reply_fn ? reply_fn(text) : Reply(text)}}}}}}};
      res.set_content(reply.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeEndpoint() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A deterministic reply that depends on the prompt, so responses differ between samples.
  // As a judge: correct (0) exactly when the user's answer equals the standard answer.
  static std::string Reply(const std::string& prompt) {
    const std::string standard = "\n\nThe standard answer: ", user = "\n\nThe user's answer: ", end = "\n\nPlease";
    const size_t a = prompt.find(standard), b = prompt.find(user), c = prompt.find(end);
    if (a != std::string::npos && b != std::string::npos && c != std::string::npos) {
      const bool same = prompt.substr(a + standard.size(), b - a - standard.size()) == prompt.substr(b + user.size(), c - b - user.size());
      return std::string("<think>compared</think>\n<judge>") + (same ? "0" : "1") + "</judge>";
    }
    return "<answer>" + std::string(1, static_cast<char>('A' + std::hash<std::string>{}(prompt) % 4)) + "</answer>";
  }

  struct Request {
    std::string text;
    int images;
    std::string authorization;
    nlohmann::json body;
  };
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  void FailPromptsContaining(const std::string& marker, int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_marker_ = marker;
    fail_status_ = status;
  }
  void FailNextRequests(int n, int status = 503) {
    std::lock_guard<std::mutex> lock(mutex_);
    transient_failures_ = n;
    transient_status_ = status;
  }
  // Replies with `fn(prompt text)` instead of Reply (for tests that need a given answer shape).
  void SetReply(std::function<std::string(const std::string&)> fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    reply_ = std::move(fn);
  }
  int max_in_flight() const { return max_in_flight_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Request> requests_;
  std::string fail_marker_;
  int fail_status_ = 400;
  int transient_failures_ = 0;
  int transient_status_ = 503;
  std::function<std::string(const std::string&)> reply_;
  std::atomic<int> in_flight_{0}, max_in_flight_{0};
};

}  // namespace hm::eval
