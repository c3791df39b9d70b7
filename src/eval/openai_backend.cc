#include "eval/openai_backend.h"

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "server/base64.h"

namespace hm::eval {
namespace {

std::string MimeType(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".gif") return "image/gif";
  if (ext == ".bmp") return "image/bmp";
  if (ext == ".webp") return "image/webp";
  if (ext == ".tif" || ext == ".tiff") return "image/tiff";
  if (ext == ".mp4" || ext == ".m4v") return "video/mp4";
  if (ext == ".webm") return "video/webm";
  if (ext == ".avi") return "video/x-msvideo";
  if (ext == ".mkv") return "video/x-matroska";
  if (ext == ".dcm") return "application/dicom";
  return "application/octet-stream";
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot read media file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool Retryable(int status) { return status == 408 || status == 429 || status >= 500; }

// A media_specs item as the content part `hulumed serve` reads: image_url, video_url, or
// volume_url with the volume's options. A DICOM series folder has no data: URI.
nlohmann::ordered_json SpecPart(const MediaSpec& spec, const std::string& sample_id) {
  HM_CHECK(!std::filesystem::is_directory(spec.path), "sample ", sample_id, ": ", spec.path,
           " is a DICOM series folder, which cannot be sent as a data: URI; run it in process (-m)");
  if (spec.format == MediaFormat::kImage) return {{"type", "image_url"}, {"image_url", {{"url", DataUri(spec.path)}}}};
  if (spec.format == MediaFormat::kVideo) return {{"type", "video_url"}, {"video_url", {{"url", DataUri(spec.path)}}}};
  static const char* kAxes[] = {"sagittal", "coronal", "axial"};  // SliceAxis order
  nlohmann::ordered_json volume = {{"url", DataUri(spec.path)}, {"axis", kAxes[static_cast<int>(spec.axis)]}};
  if (spec.format == MediaFormat::kNifti) volume["format"] = "nifti";
  if (spec.format == MediaFormat::kDicom) volume["format"] = "dicom";
  if (spec.slices) volume["slices"] = *spec.slices;
  if (spec.window) volume["window"] = *spec.window;
  return {{"type", "volume_url"}, {"volume_url", volume}};
}

// MedUniEval's one user turn: the media parts first, then the prompt.
nlohmann::ordered_json UserTurn(const EvalSample& sample) {
  nlohmann::ordered_json message = {{"role", "user"}};
  const std::vector<std::string> files = MediaFiles(sample);
  if (files.empty() && sample.media_specs.empty()) {
    message["content"] = sample.prompt;
    return message;
  }
  nlohmann::ordered_json parts = nlohmann::ordered_json::array();
  for (const MediaSpec& spec : sample.media_specs) parts.push_back(SpecPart(spec, sample.id));
  for (const std::string& f : files) parts.push_back({{"type", "image_url"}, {"image_url", {{"url", DataUri(f)}}}});
  parts.push_back({{"type", "text"}, {"text", sample.prompt}});
  message["content"] = parts;
  return message;
}

}  // namespace

std::vector<std::string> MediaFiles(const EvalSample& sample) {
  std::vector<std::string> files;
  for (const std::string& m : sample.media) {
    if (!std::filesystem::is_directory(m)) {
      files.push_back(m);
      continue;
    }
    std::vector<std::string> frames;
    for (const auto& entry : std::filesystem::directory_iterator(m))
      if (entry.is_regular_file()) frames.push_back(entry.path().string());
    std::sort(frames.begin(), frames.end());
    HM_CHECK(!frames.empty(), m, ": the sample's media folder holds no files");
    files.insert(files.end(), frames.begin(), frames.end());
  }
  return files;
}

OpenAiBackend::OpenAiBackend(EndpointOptions options) : options_(std::move(options)) {
  const std::string& url = options_.url;
  const size_t scheme_end = url.find("://");
  HM_CHECK(scheme_end != std::string::npos && (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0),
           "--endpoint: '", url, "' is not an http:// or https:// URL");
  const size_t path_start = url.find('/', scheme_end + 3);
  scheme_host_port_ = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() < 3 || path.compare(path.size() - 3, 3, "/v1") != 0) path += "/v1";
  path_ = path + "/chat/completions";
  HM_CHECK(!options_.model.empty(), "--endpoint needs --model NAME");
  HM_CHECK(options_.max_in_flight >= 1 && options_.attempts >= 1, "--jobs and attempts must be >= 1");
  if (const char* key = std::getenv(options_.api_key_env.c_str())) api_key_ = key;
}

std::string OpenAiBackend::RequestBody(const EvalSample& sample, const EndpointOptions& options) {
  nlohmann::ordered_json messages = sample.messages;  // a whole conversation goes as it is
  if (messages.empty())
    messages.push_back(UserTurn(sample));
  else
    HM_CHECK(sample.media.empty() && sample.media_specs.empty(), "sample ", sample.id,
             ": a whole conversation with media is not supported");
  nlohmann::ordered_json body = {{"model", options.model},
                                 {"messages", messages},
                                 {"temperature", 0},
                                 {"max_tokens", options.max_tokens},
                                 {"stream", false}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string DataUri(const std::string& file) {
  return "data:" + MimeType(file) + ";base64," + EncodeBase64(ReadBytes(file));
}

std::string OpenAiBackend::Respond(const EvalSample& sample) {
  return Complete(RequestBody(sample, options_), "sample " + sample.id);
}

std::string OpenAiBackend::Complete(const std::string& body, const std::string& what,
                                    const std::function<void()>& before_each_try) const {
  httplib::Client client(scheme_host_port_);
  client.set_connection_timeout(30, 0);
  client.set_read_timeout(options_.timeout_seconds, 0);
  client.set_write_timeout(options_.timeout_seconds, 0);
  if (!api_key_.empty()) client.set_bearer_token_auth(api_key_.c_str());
  double backoff = options_.first_backoff_seconds;
  std::string last_error;
  int tries = 0;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    tries = attempt;
    if (attempt > 1) {
      std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
      backoff *= 2;
    }
    if (before_each_try) before_each_try();
    const auto res = client.Post(path_, body, "application/json");
    if (!res) {
      last_error = "connection failed (" + httplib::to_string(res.error()) + ")";
      continue;
    }
    if (res->status != 200) {
      last_error = "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300);
      if (Retryable(res->status)) continue;
      break;
    }
    nlohmann::json reply;
    try {
      reply = nlohmann::json::parse(res->body);
    } catch (const nlohmann::json::exception&) {
      throw Error(scheme_host_port_ + path_ + ": the reply is not JSON: " + res->body.substr(0, 200));
    }
    const auto* content = reply.contains("choices") && reply["choices"].is_array() && !reply["choices"].empty() &&
                                  reply["choices"][0].contains("message")
                              ? &reply["choices"][0]["message"]
                              : nullptr;
    HM_CHECK(content, scheme_host_port_, path_, ": the reply has no choices[0].message");
    const auto it = content->find("content");
    return it != content->end() && it->is_string() ? it->get<std::string>() : "";
  }
  throw Error(scheme_host_port_ + path_ + ": " + what + ": " + last_error + " (after " +
              std::to_string(tries) + (tries == 1 ? " try)" : " tries)"));
}

}  // namespace hm::eval
