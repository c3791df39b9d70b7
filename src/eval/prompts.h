// MedUniEval's prompt builders (utils/question_formats.py), English, character for
// character: the published figures were measured with exactly these strings.
#pragma once

#include <string>
#include <vector>

namespace hm::eval {

// `reasoning` is MedUniEval's REASONING=True: ask for step-by-step reasoning and \boxed{}.
std::string MultipleChoicePrompt(const std::string& question, const std::vector<std::string>& choices,
                                 bool reasoning);
std::string CloseEndedPrompt(const std::string& question, bool reasoning);
std::string OpenEndedPrompt(const std::string& question, bool reasoning);
std::string JudgementPrompt(const std::string& question, bool reasoning);
std::string ReportGenerationPrompt();

}  // namespace hm::eval
