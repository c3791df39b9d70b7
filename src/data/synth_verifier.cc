#include "data/synth_verifier.h"

#include <algorithm>
#include <cctype>

namespace hm {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Openings with which chat models decline; matched at the start of the text, or anywhere
// for the unambiguous ones, so that a caption merely mentioning "unable" is not dropped.
constexpr const char* kRefusalOpenings[] = {"i'm sorry", "i am sorry", "sorry,", "i cannot", "i can't", "i can not",
                                            "i'm unable", "i am unable", "i'm not able", "i am not able", "unfortunately, i"};
constexpr const char* kRefusalAnywhere[] = {"as an ai", "as a language model", "i cannot provide medical",
                                            "cannot assist with", "can't assist with", "not able to view images",
                                            "unable to view images", "cannot see the image", "can't see the image"};

}  // namespace

std::optional<Rejection> CheckGeneratedText(const std::string& text, size_t max_chars) {
  const auto first = std::find_if(text.begin(), text.end(), [](unsigned char c) { return !std::isspace(c); });
  if (first == text.end()) return Rejection{"empty", "the generated text is empty"};
  if (text.size() > max_chars)
    return Rejection{"too_long", std::to_string(text.size()) + " characters, more than " + std::to_string(max_chars)};
  const std::string lower = Lower(std::string(first, text.end()));
  for (const char* opening : kRefusalOpenings)
    if (lower.rfind(opening, 0) == 0) return Rejection{"refusal", "starts with \"" + std::string(opening) + "\""};
  for (const char* phrase : kRefusalAnywhere)
    if (lower.find(phrase) != std::string::npos) return Rejection{"refusal", "says \"" + std::string(phrase) + "\""};
  return std::nullopt;
}

std::optional<nlohmann::json> ParseJsonReply(const std::string& reply) {
  const size_t open = reply.find('{'), close = reply.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  nlohmann::json value = nlohmann::json::parse(reply.substr(open, close - open + 1), nullptr, false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

std::optional<Rejection> VerifierRejection(const std::string& reply) {
  const std::optional<nlohmann::json> v = ParseJsonReply(reply);
  const std::string verdict = v && v->contains("verdict") && (*v)["verdict"].is_string()
                                  ? Lower((*v)["verdict"].get<std::string>())
                                  : "";
  const std::string reason =
      v && v->contains("reason") && (*v)["reason"].is_string() ? (*v)["reason"].get<std::string>() : "";
  if (verdict == "accept") return std::nullopt;
  if (verdict == "reject") return Rejection{"verifier", reason.empty() ? "rejected without a reason" : reason};
  return Rejection{"verifier_unclear", "the verifier's reply has no verdict: " + reply.substr(0, 200)};
}

}  // namespace hm
