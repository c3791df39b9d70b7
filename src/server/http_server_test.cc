// The server end to end on loopback with the tiny checkpoint: OpenAI shapes, streaming,
// errors, authentication, the queue limit and prefix reuse.
#include "core/scratch_dir_testing.h"
#include "server/http_server.h"

#include <httplib.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace hm {
namespace {

using nlohmann::json;

const std::string kModel = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";

class Serving {
 public:
  explicit Serving(EngineOptions engine_options = {}, ServerOptions options = {}, const std::string& model = kModel)
      : engine_(model, engine_options, metrics_) {
    options.port = 0;
    options.log_requests = false;
    server_ = std::make_unique<HttpServer>(engine_, metrics_, options);
    port_ = server_->Bind();
    thread_ = std::thread([this] { server_->Listen(); });
  }
  ~Serving() {
    server_->Stop();
    thread_.join();
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }

 private:
  Metrics metrics_;
  Engine engine_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
};

const char* kAsk = R"({"model":"tiny-qwen2","messages":[{"role":"user","content":"Hello there"}],"max_tokens":5,"seed":1})";

TEST(HttpServer, AnswersInTheOpenAiShape) {
  Serving s;
  auto c = s.Client();
  const auto res = c.Post("/v1/chat/completions", kAsk, "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
  const json j = json::parse(res->body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["usage"]["completion_tokens"].get<int>() + j["usage"]["prompt_tokens"].get<int>(), j["usage"]["total_tokens"].get<int>());
  EXPECT_LE(j["usage"]["completion_tokens"].get<int>(), 5);
  // Greedy by the checkpoint's defaults: the same question gives the same answer, and the
  // second time most of the prompt comes from the cached prefix.
  const json again = json::parse(c.Post("/v1/chat/completions", kAsk, "application/json")->body);
  EXPECT_EQ(again["choices"][0]["message"]["content"], j["choices"][0]["message"]["content"]);
  EXPECT_GT(again["usage"]["prompt_tokens_details"]["cached_tokens"].get<int>(), 0);
}

TEST(HttpServer, StreamsDeltasThatAddUpToTheWholeAnswer) {
  Serving s;
  auto c = s.Client();
  const json whole = json::parse(c.Post("/v1/chat/completions", kAsk, "application/json")->body);
  json request = json::parse(kAsk);
  request["stream"] = true;
  request["stream_options"] = {{"include_usage", true}};
  const auto res = c.Post("/v1/chat/completions", request.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  std::string text, finish;
  bool done = false, usage = false;
  size_t pos = 0;
  while ((pos = res->body.find("data: ", pos)) != std::string::npos) {
    const size_t end = res->body.find("\n\n", pos);
    const std::string data = res->body.substr(pos + 6, end - pos - 6);
    pos = end;
    if (data == "[DONE]") {
      done = true;
      break;
    }
    const json chunk = json::parse(data);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    if (chunk.contains("usage")) usage = chunk["usage"]["completion_tokens"] == whole["usage"]["completion_tokens"];
    if (chunk["choices"].empty()) continue;
    text += chunk["choices"][0]["delta"].value("content", "");
    if (!chunk["choices"][0]["finish_reason"].is_null()) finish = chunk["choices"][0]["finish_reason"];
  }
  EXPECT_TRUE(done);
  EXPECT_TRUE(usage);
  EXPECT_EQ(text, whole["choices"][0]["message"]["content"]);
  EXPECT_EQ(finish, whole["choices"][0]["finish_reason"]);
}

TEST(HttpServer, ErrorsAreOpenAiJsonWith4xx) {
  ServerOptions options;
  options.max_body_bytes = 4096;
  Serving s({}, options);
  auto c = s.Client();
  for (const auto& [body, status] : std::vector<std::pair<std::string, int>>{
           {"{not json", 400},
           {R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]})", 400},
           {std::string(8192, ' '), 413},
       }) {
    const auto res = c.Post("/v1/chat/completions", body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << body.substr(0, 80);
    EXPECT_TRUE(json::parse(res->body)["error"]["message"].is_string()) << res->body;
  }
  const auto missing = c.Get("/v1/nothing");
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(json::parse(missing->body).contains("error"));
}

TEST(HttpServer, PromptLongerThanTheContextIs400) {
  EngineOptions engine;
  engine.ctx = 8;
  Serving s(engine);
  const auto res = s.Client().Post("/v1/chat/completions", kAsk, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(json::parse(res->body)["error"]["message"].get<std::string>().find("context"), std::string::npos);
}

// A checkpoint whose tokenizer_config.json carries Qwen3's official template, as a Qwen3
// tokenizer saved by transformers does: requests with list content (text, image, video) are
// rendered with Hulu-Med's template, as without it, instead of failing in Qwen3's.
TEST(HttpServer, ListContentIgnoresTheTokenizerConfigTemplate) {
  namespace fs = std::filesystem;
  const fs::path testdata = fs::path(HULUMED_SOURCE_DIR) / "testdata";
  ScratchDir scratch;
  const fs::path dir = scratch / "model";
  fs::copy(kModel, dir);
  std::stringstream qwen3;
  qwen3 << std::ifstream(testdata / "text" / "chat_templates" / "qwen3.jinja").rdbuf();
  json tokenizer_config = json::parse(std::ifstream(dir / "tokenizer_config.json"));
  tokenizer_config["chat_template"] = qwen3.str();
  std::ofstream(dir / "tokenizer_config.json") << tokenizer_config.dump();

  ServerOptions options;
  options.allow_local_files = testdata.string();
  Serving plain({}, options);
  Serving with_qwen3({}, options, dir.string());
  for (const char* content : {
           R"([{"type": "text", "text": "Hello there"}])",
           R"([{"type": "image_url", "image_url": {"url": "media/images/gray.jpg"}}, {"type": "text", "text": "Findings?"}])",
           R"([{"type": "video_url", "video_url": {"url": "video/pattern.mp4", "fps": 2, "max_frames": 3}},
               {"type": "text", "text": "Motion?"}])"}) {
    const json request = {{"messages", {{{"role", "user"}, {"content", json::parse(content)}}}}, {"max_tokens", 3},
                          {"temperature", 0}};
    const auto got = with_qwen3.Client().Post("/v1/chat/completions", request.dump(), "application/json");
    const auto want = plain.Client().Post("/v1/chat/completions", request.dump(), "application/json");
    ASSERT_TRUE(got && want);
    ASSERT_EQ(got->status, 200) << content << "\n" << got->body;
    const json a = json::parse(got->body), b = json::parse(want->body);
    EXPECT_EQ(a["choices"][0]["message"]["content"], b["choices"][0]["message"]["content"]) << content;
    EXPECT_EQ(a["usage"]["prompt_tokens"], b["usage"]["prompt_tokens"]) << content;
  }
}

// A checkpoint whose processor template is Qwen3's official one fails on list content (it
// calls startswith on it), as in Jinja2: that is the checkpoint's problem, so 500, with a
// message naming the template file; string content still works.
TEST(HttpServer, BrokenCheckpointTemplateIs500) {
  namespace fs = std::filesystem;
  ScratchDir scratch;
  const fs::path dir = scratch / "model";
  fs::copy(kModel, dir);
  fs::copy_file(fs::path(HULUMED_SOURCE_DIR) / "testdata" / "text" / "chat_templates" / "qwen3.jinja",
                dir / "chat_template.jinja");
  Serving s({}, {}, dir.string());
  auto c = s.Client();
  const auto parts = c.Post("/v1/chat/completions",
                            R"({"messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}],"max_tokens":2})",
                            "application/json");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->status, 500);
  const json error = json::parse(parts->body)["error"];
  EXPECT_EQ(error["type"], "server_error");
  const std::string message = error["message"];
  EXPECT_NE(message.find((dir / "chat_template.jinja").string()), std::string::npos) << message;
  EXPECT_NE(message.find("message.content.startswith"), std::string::npos) << message;
  EXPECT_EQ(c.Post("/v1/chat/completions", kAsk, "application/json")->status, 200);
}

TEST(HttpServer, ApiKeyGuardsTheApiButNotHealth) {
  ServerOptions options;
  options.api_key = "sesame";
  Serving s({}, options);
  auto c = s.Client();
  EXPECT_EQ(c.Get("/v1/models")->status, 401);
  EXPECT_EQ(c.Get("/health")->status, 200);
  const httplib::Headers auth = {{"Authorization", "Bearer sesame"}};
  const auto models = c.Get("/v1/models", auth);
  ASSERT_EQ(models->status, 200);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "tiny-qwen2");
}

TEST(HttpServer, ServesTheWebUiAndMetrics) {
  Serving s;
  auto c = s.Client();
  const auto page = c.Get("/");
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<script type=\"module\" src=\"/app.js\">"), std::string::npos);
  EXPECT_GT(c.Get("/app.js")->body.size(), 1000u);
  c.Post("/v1/chat/completions", kAsk, "application/json");
  const auto metrics = c.Get("/metrics");
  ASSERT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("hulumed_http_responses_total{status=\"200\"} 1"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("hulumed_completion_tokens_total"), std::string::npos);
}

}  // namespace
}  // namespace hm
