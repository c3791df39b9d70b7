// hulumed serve: the OpenAI-compatible HTTP server and web UI (src/server).
#include <csignal>
#include <cstdio>

#include "apps/commands.h"
#include "apps/default_model.h"
#include "apps/media_flags.h"
#include "core/error.h"
#include "server/engine.h"
#include "server/http_server.h"

namespace hm {
namespace {

struct ServeOptions {
  std::string model_dir;
  EngineOptions engine;
  ServerOptions server;
  std::string allow_local_files;
  std::string dicomweb;
  int timeout_s = 600;
  double max_body_mb = 64;
};

HttpServer* g_server = nullptr;

void OnSignal(int) {
  if (g_server) g_server->Stop();
}

void Serve(ServeOptions& o) {
  if (!o.allow_local_files.empty()) o.server.allow_local_files = o.allow_local_files;
  if (!o.dicomweb.empty()) o.server.dicomweb = DicomWebConfig::FromEnvironment(o.dicomweb);
  HM_CHECK(o.timeout_s > 0, "--timeout must be positive");
  HM_CHECK(o.max_body_mb > 0, "--max-body must be positive");
  o.server.timeout = std::chrono::seconds(o.timeout_s);
  o.server.max_body_bytes = static_cast<size_t>(o.max_body_mb * (1 << 20));
  if (const char* key = std::getenv("HULUMED_API_KEY"); key && o.server.api_key.empty()) o.server.api_key = key;

  Metrics metrics;
  Engine engine(o.model_dir, o.engine, metrics);
  HttpServer server(engine, metrics, o.server);
  const int port = server.Bind();
  std::fprintf(stderr, "hulumed serve: %s on http://%s:%d (%d parallel, queue %d, ctx %lld%s)\n",
               engine.model_name().c_str(), o.server.host.c_str(), port, engine.options().parallel,
               engine.options().max_queue, static_cast<long long>(engine.options().ctx),
               o.server.api_key.empty() ? "" : ", API key required");
  // Tests and scripts read the port from this line when they pass --port 0.
  std::printf("listening on port %d\n", port);
  std::fflush(stdout);
  g_server = &server;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  server.Listen();
  g_server = nullptr;
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "OpenAI-compatible HTTP server with a web UI");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory (default: $HULUMED_MODEL, else the shipped demo model)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--host", o->server.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o->server.port, "Port (0 = any free port)")->capture_default_str();
  cmd->add_option("--api-key", o->server.api_key, "Require 'Authorization: Bearer KEY' on /v1 (or set HULUMED_API_KEY)");
  cmd->add_option("--allow-local-files", o->allow_local_files, "Let requests name media files under this directory");
  cmd->add_option("--dicomweb", o->dicomweb,
                  "DICOMweb root of the PACS (e.g. http://pacs:8042/dicom-web); credentials from "
                  "HULUMED_DICOMWEB_TOKEN or HULUMED_DICOMWEB_USER/_PASSWORD");
  cmd->add_option("--parallel", o->engine.parallel, "Requests decoded together in one batch, each with its own KV cache")->capture_default_str();
  cmd->add_option("--prefill-chunk", o->engine.prefill_chunk, "Prompt positions a batch step may add beside the decoding streams")->capture_default_str();
  cmd->add_option("--queue", o->engine.max_queue, "Requests waiting beyond those; more get 429")->capture_default_str();
  cmd->add_option("--ctx", o->engine.ctx, "KV cache positions per request")->capture_default_str();
  cmd->add_option("--max-tokens", o->engine.max_tokens, "Default and cap for max_tokens")->capture_default_str();
  cmd->add_option("--kv-type", o->engine.kv_type, "KV cache storage: f32, bf16, q8 or auto (f32 for f32 weights, else bf16)")->capture_default_str();
  cmd->add_option("-t,--threads", o->engine.threads, "Compute threads (default: all cores)");
  cmd->add_option("--timeout", o->timeout_s, "Seconds a request may take, queueing included")->capture_default_str();
  cmd->add_option("--max-body", o->max_body_mb, "Largest request body in MiB")->capture_default_str();
  cmd->add_option("--max-image-pixels", o->server.media.max_image_pixels, "Largest image, in pixels")->capture_default_str();
  cmd->add_option("--max-frames", o->server.media.max_frames, "Most frames per video")->capture_default_str();
  cmd->add_option("--max-slices", o->server.media.max_slices, "Most slices per volume")->capture_default_str();
  cmd->add_option("--max-media", o->server.media.max_items, "Most media items per request")->capture_default_str();
  cmd->add_flag("!--no-log", o->server.log_requests, "Do not log requests");
  AddVisualFlags(*cmd, o->engine.visual, "Visual policy (as for run)");
  cmd->callback([o] {
    o->model_dir = ModelDirOrDefault(o->model_dir);
    Serve(*o);
  });
}

}  // namespace hm
