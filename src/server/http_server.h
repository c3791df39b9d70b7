// The HTTP face of the engine (cpp-httplib): the OpenAI endpoints, /health, /metrics and the
// web UI, with the API key check, body limit and request-id logging around them.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "media/dicomweb.h"
#include "server/engine.h"
#include "server/media_input.h"
#include "server/metrics.h"

namespace httplib {
class Server;
}

namespace hm {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                       // 0 = any free port (tests)
  std::string api_key;                   // empty = no authentication
  size_t max_body_bytes = 64 << 20;
  std::chrono::seconds timeout{600};     // per request, queueing included
  std::optional<std::string> allow_local_files;
  // Tighter than the engine's own bounds: one request must not take the machine.
  MediaLimits media{.max_image_pixels = 40'000'000, .max_frames = 256, .max_slices = 256, .max_items = 16,
                    .max_file_bytes = 256 << 20};
  bool log_requests = true;
  std::optional<DicomWebConfig> dicomweb;  // the PACS that /v1/pacs browses and dicomweb: URLs name
};

class HttpServer {
 public:
  HttpServer(Engine& engine, Metrics& metrics, const ServerOptions& options);
  ~HttpServer();

  // Binds the socket; returns the port (useful with port 0). Throws hm::Error.
  int Bind();
  // Serves until Stop(); call after Bind.
  void Listen();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hm
