#include "eval/prompts.h"

namespace hm::eval {
namespace {

const char* kReasonBoxed = "Please reason step by step, and put your final answer within \\boxed{}.";

std::string WithInstruction(const std::string& question, bool reasoning, const char* direct) {
  return question + "\n" + (reasoning ? kReasonBoxed : direct);
}

}  // namespace

std::string MultipleChoicePrompt(const std::string& question, const std::vector<std::string>& choices,
                                 bool reasoning) {
  std::string options;
  for (size_t i = 0; i < choices.size(); ++i) options += (i ? "\n" : "") + choices[i];
  // The reference's f-string starts with a newline and has a space after "Options:".
  const std::string prompt = "\nQuestion: " + question + "\nOptions: \n" + options;
  return WithInstruction(prompt, reasoning, "Answer with the option's letter from the given choices directly.");
}

std::string CloseEndedPrompt(const std::string& question, bool reasoning) {
  return WithInstruction(question, reasoning, "Answer the question using a single word or phrase.");
}

std::string OpenEndedPrompt(const std::string& question, bool reasoning) {
  return WithInstruction(question, reasoning, "Please answer the question concisely.");
}

std::string JudgementPrompt(const std::string& question, bool reasoning) {
  return CloseEndedPrompt(question, reasoning);  // the reference's two English texts are the same
}

std::string ReportGenerationPrompt() {
  return "You are a helpful assistant. Please generate a report for the given images, including both findings "
         "and impressions. Return the report in the following format: Findings: {} Impression: {}.";
}

}  // namespace hm::eval
