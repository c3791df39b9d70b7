#include "server/http_server.h"

#include <httplib.h>

#include <cstdio>
#include <ctime>
#include <random>

#include "server/api_error.h"
#include "server/completion_json.h"
#include "server/completion_request.h"
#include "server/web_assets.h"

namespace hm {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void SetError(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  res.status = status;
  res.set_content(ErrorBody(message, type), "application/json");
}
void SetError(httplib::Response& res, const JobOutcome& failed) {
  SetError(res, failed.error_status, failed.error_type, failed.error_message);
}

}  // namespace

struct HttpServer::Impl {
  Engine& engine;
  Metrics& metrics;
  ServerOptions options;
  std::optional<DicomWebClient> pacs;
  MediaResolver media;
  httplib::Server http;
  std::mutex log_mu;
  std::atomic<uint64_t> next_id{0};
  const uint64_t id_salt = std::random_device{}();

  Impl(Engine& e, Metrics& m, const ServerOptions& o)
      : engine(e),
        metrics(m),
        options(o),
        pacs(o.dicomweb ? std::optional<DicomWebClient>(std::in_place, *o.dicomweb) : std::nullopt),
        media(o.media, o.allow_local_files ? std::optional<FileRoot>(FileRoot(*o.allow_local_files)) : std::nullopt,
              pacs ? &*pacs : nullptr) {}

  template <typename... Args>
  void Log(const Args&... args) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", std::localtime(&now));
    const std::string line = StrCat(stamp, " ", args...);
    std::lock_guard<std::mutex> l(log_mu);
    std::fprintf(stderr, "%s\n", line.c_str());
  }

  std::string NewRequestId() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "req-%06llx%06llx", static_cast<unsigned long long>(id_salt & 0xffffff),
                  static_cast<unsigned long long>(++next_id));
    return buf;
  }

  void LogJob(Job& job) {
    if (!options.log_requests) return;
    const JobOutcome o = job.outcome();
    const Usage& u = o.usage;
    Log("[", job.id(), "] finish=", o.finish_reason, " prompt=", u.prompt_tokens, " reused=", u.reused_tokens,
        " visual=", u.visual_tokens, " completion=", u.completion_tokens, " queue=", u.queue_seconds,
        "s vision=", u.vision_seconds, "s prefill=", u.prefill_seconds, "s decode=", u.decode_seconds, "s");
  }

  void Routes() {
    http.new_task_queue = [n = engine.options().parallel + engine.options().max_queue + 8] {
      return new httplib::ThreadPool(static_cast<size_t>(n));
    };
    http.set_payload_max_length(options.max_body_bytes);
    http.set_default_headers({{"Access-Control-Allow-Origin", "*"}});
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Request-Id", NewRequestId());
      if (options.api_key.empty() || req.method == "OPTIONS" || req.path.rfind("/v1/", 0) != 0)
        return httplib::Server::HandlerResponse::Unhandled;
      if (req.get_header_value("Authorization") == "Bearer " + options.api_key)
        return httplib::Server::HandlerResponse::Unhandled;
      SetError(res, 401, "authentication_error", "missing or wrong API key (Authorization: Bearer KEY)");
      return httplib::Server::HandlerResponse::Handled;
    });
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const char* message = res.status == 413 ? "the request body is larger than the server's --max-body limit"
                            : res.status == 404 ? "no such endpoint"
                                                : "the request could not be handled";
      SetError(res, res.status, "invalid_request_error", StrCat(message, " (", req.method, " ", req.path, ")"));
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      SetError(res, 500, "server_error", "internal error");
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      if (req.path == "/v1/chat/completions") metrics.CountResponse(res.status);
      if (options.log_requests) Log("[", res.get_header_value("X-Request-Id"), "] ", req.method, " ", req.path, " ", res.status, " from ",
          req.remote_addr);
    });
    http.Options(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Session-Id");
      res.status = 204;
    });
    http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(json{{"status", "ok"}, {"model", engine.model_name()}, {"queued", engine.queued()},
                           {"active", engine.active()}}.dump(), "application/json");
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.Render(engine.queued(), engine.active(), engine.options().parallel), "text/plain; version=0.0.4");
    });
    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      const json model = {{"id", engine.model_name()}, {"object", "model"}, {"created", 0}, {"owned_by", "hulumed"}};
      res.set_content(json{{"object", "list"}, {"data", json::array({model})}}.dump(), "application/json");
    });
    http.Get("/v1/models/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.matches[1] != engine.model_name()) return SetError(res, 404, "invalid_request_error", "no such model");
      res.set_content(json{{"id", engine.model_name()}, {"object", "model"}, {"created", 0}, {"owned_by", "hulumed"}}.dump(),
                      "application/json");
    });
    http.Get("/(|app\\.js|style\\.css)", [](const httplib::Request& req, httplib::Response& res) {
      const WebAsset* asset = FindWebAsset(req.path);
      if (!asset) return SetError(res, 404, "invalid_request_error", "no such file");
      res.set_content(asset->content.data(), asset->content.size(), asset->mime);
    });
    http.Get("/v1/pacs/studies", [this](const httplib::Request& req, httplib::Response& res) {
      Pacs(res, [&] {
        std::map<std::string, std::string> match;
        for (const char* key : {"PatientName", "PatientID", "StudyDate", "ModalitiesInStudy", "AccessionNumber"})
          if (req.has_param(key)) match[key] = req.get_param_value(key);
        json data = json::array();
        for (const StudySummary& s : pacs->FindStudies(match, 200))
          data.push_back({{"uid", s.uid}, {"patient_name", s.patient_name}, {"patient_id", s.patient_id}, {"date", s.date},
                          {"description", s.description}, {"modalities", s.modalities}, {"series", s.series},
                          {"instances", s.instances}});
        return data;
      });
    });
    http.Get("/v1/pacs/studies/([0-9.]+)/series", [this](const httplib::Request& req, httplib::Response& res) {
      Pacs(res, [&] {
        json data = json::array();
        for (const SeriesSummary& s : pacs->FindSeries(req.matches[1]))
          data.push_back({{"uid", s.uid}, {"modality", s.modality}, {"description", s.description}, {"number", s.number},
                          {"instances", s.instances}, {"url", StrCat("dicomweb:", req.matches[1].str(), "/", s.uid)}});
        return data;
      });
    });
    http.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { ChatCompletion(req, res); });
  }

  // A PACS listing as {"object": "list", "data": [...]}; the PACS's own failures are 502.
  template <typename List>
  void Pacs(httplib::Response& res, const List& list) {
    if (!pacs) return SetError(res, 404, "invalid_request_error", "no PACS is configured (serve --dicomweb URL)");
    try {
      res.set_content(json{{"object", "list"}, {"data", list()}}.dump(), "application/json");
    } catch (const DicomWebError& e) {
      SetError(res, e.http_status(), e.http_status() >= 500 ? "pacs_error" : "invalid_request_error", e.what());
    }
  }

  void ChatCompletion(const httplib::Request& req, httplib::Response& res) {
    const std::string rid = res.get_header_value("X-Request-Id");
    std::shared_ptr<Job> job;
    try {
      CompletionRequest r = ParseCompletionRequest(req.body, media);
      job = std::make_shared<Job>(rid, std::move(r), Clock::now() + options.timeout);
    } catch (const ApiError& e) {
      return SetError(res, e.status(), e.type(), e.what());
    } catch (const Error& e) {
      return SetError(res, 400, "invalid_request_error", e.what());
    } catch (const std::bad_alloc&) {
      return SetError(res, 413, "invalid_request_error", "the request's media need more memory than is available");
    }
    if (!engine.Submit(job)) {
      metrics.CountRejected();
      res.set_header("Retry-After", "1");
      return SetError(res, 429, "rate_limit_error", "the server is busy: the request queue is full, retry later");
    }
    // Wait until the prompt is prepared, so that errors in it (media, context length) still
    // get their 4xx status rather than arriving inside a 200 stream.
    std::string text;
    Job::State state;
    while ((state = job->Wait(200ms, &text)) == Job::State::kQueued) {
      if (job->expired()) {
        job->Cancel();
        metrics.CountTimeout();
        return SetError(res, 504, "timeout", "the request timed out while queued");
      }
    }
    if (state == Job::State::kFailed) return SetError(res, job->outcome());

    const CompletionIds ids{"chatcmpl-" + rid.substr(4), engine.model_name(), std::time(nullptr)};
    if (!job->request().stream) {
      while (state == Job::State::kRunning) state = job->Wait(1s, &text);
      LogJob(*job);
      metrics.ObserveRequest(Seconds(Clock::now() - job->admitted()));
      const JobOutcome o = job->outcome();
      if (state == Job::State::kFailed) return SetError(res, o);
      if (o.finish_reason == "timeout") return SetError(res, 504, "timeout", "the request timed out");
      res.set_content(CompletionJson(ids, text, o.finish_reason, o.usage).dump(-1, ' ', false, json::error_handler_t::replace),
                      "application/json");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, job, ids, text](size_t, httplib::DataSink& sink) mutable {
          // Writing is also how a vanished client shows: the write fails and the job is cancelled.
          auto send = [&](const std::string& s) {
            if (!sink.write(s.data(), s.size())) {
              job->Cancel();
              return false;
            }
            return true;
          };
          if (!send(ChunkEvent(ids, {{"role", "assistant"}, {"content", ""}}, ""))) return false;
          Job::State state = Job::State::kRunning;
          for (;;) {
            if (!text.empty() && !send(ChunkEvent(ids, {{"content", text}}, ""))) return false;
            text.clear();
            if (state != Job::State::kRunning) break;
            state = job->Wait(1s, &text);
            if (state == Job::State::kRunning && text.empty() && !send(": keep-alive\n\n")) return false;
          }
          LogJob(*job);
          metrics.ObserveRequest(Seconds(Clock::now() - job->admitted()));
          const JobOutcome o = job->outcome();
          if (state == Job::State::kFailed || o.finish_reason == "timeout") {
            const std::string message = state == Job::State::kFailed ? o.error_message : "the request timed out";
            const std::string type = state == Job::State::kFailed ? o.error_type : "timeout";
            if (!send(Event({{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}})))
              return false;
          } else {
            if (!send(ChunkEvent(ids, json::object(), o.finish_reason))) return false;
            if (job->request().include_usage && !send(UsageEvent(ids, o.usage))) return false;
          }
          if (!send("data: [DONE]\n\n")) return false;
          sink.done();
          return true;
        },
        [job](bool success) {
          if (!success) job->Cancel();
        });
  }
};

HttpServer::HttpServer(Engine& engine, Metrics& metrics, const ServerOptions& options)
    : impl_(std::make_unique<Impl>(engine, metrics, options)) {
  impl_->Routes();
}

HttpServer::~HttpServer() { Stop(); }

int HttpServer::Bind() {
  const int port = impl_->options.port == 0 ? impl_->http.bind_to_any_port(impl_->options.host)
                                            : (impl_->http.bind_to_port(impl_->options.host, impl_->options.port)
                                                   ? impl_->options.port
                                                   : -1);
  HM_CHECK(port > 0, "serve: cannot listen on ", impl_->options.host, ":", impl_->options.port);
  return port;
}

void HttpServer::Listen() { impl_->http.listen_after_bind(); }

void HttpServer::Stop() { impl_->http.stop(); }

}  // namespace hm
