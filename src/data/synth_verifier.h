// What `hulumed data synth` rejects: cheap rule checks on every generated text (empty, too
// long, a refusal), replies that should be JSON and are not, and the verdict of the verifier
// prompt, which a second request asks the endpoint for.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace hm {

// Why an output was dropped: a short reason the summary counts ("empty", "too_long",
// "refusal", "not_json", "bad_shape", "answer_not_in_options", "answer_mismatch",
// "verifier", "verifier_unclear") and a detail line for the rejected file.
struct Rejection {
  std::string reason;
  std::string detail;
};

// Empty, longer than `max_chars`, or a refusal ("I'm sorry", "as an AI", ...).
std::optional<Rejection> CheckGeneratedText(const std::string& text, size_t max_chars);

// The JSON object in a reply that was asked for one, tolerating a ```json fence or words
// around it; nullopt when there is none.
std::optional<nlohmann::json> ParseJsonReply(const std::string& reply);

// The verifier's reply {"verdict": "accept"|"reject", "reason": "..."}: nullopt when it
// accepts, else the rejection ("verifier" with its reason, or "verifier_unclear").
std::optional<Rejection> VerifierRejection(const std::string& reply);

}  // namespace hm
