// One loader per benchmark; `dir` is the benchmark's folder (benchmarks.cc checks it exists).
#pragma once

#include <string>
#include <vector>

#include "eval/eval_sample.h"
#include "eval/py_str.h"

namespace hm::eval {

std::vector<EvalSample> LoadMedQaUsmle(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadPubMedQa(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMmluMedical(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMedMcqa(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMedbulletsOp4(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMedbulletsOp5(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadVqaRad(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadSlake(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadPmcVqa(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadM3d(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadIuXray(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMmluProHealth(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMedXpertQaText(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMedXpertQaMm(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadSuperGpqaMedicine(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadHealthBench(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadPathVqa(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadOmniMedVqa(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMedFrameQa(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMmmuMedicalVal(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMedMnist(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadRad3d(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadMimicCxr(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadChexpertPlus(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadPhantoms(const std::string& dir, bool reasoning);
std::vector<EvalSample> LoadRealScans(const std::string& dir, bool reasoning);

// The file names MedMNIST's loader accepts (any one present will do): each 2D dataset's
// published .npz in its sizes, and MedUniEval's medminist_test.json.
std::vector<std::string> MedMnistFiles();

// A multiple-choice question as MedUniEval's get_multiple_choice_prompt asks it over the
// lettered `choices`, the response cut at <answer> (a loader may change prep and choices).
EvalSample MultipleChoiceSample(std::string id, std::string question, std::vector<std::string> choices,
                                std::string answer, bool reasoning);

// Shared by the loaders of one benchmark's two forms (published, and MedUniEval's own JSON).
// A 3D question as MedUniEval's M3D/Rad3D loaders prompt it: `question` may hold <image>/<video>
// lines; `question_type` OPEN or CLOSE(D) in any case. Media, index and id are the caller's.
EvalSample VolumeQuestion(const std::string& question, std::string answer, const std::string& question_type,
                          std::string category);
// Whether a 3D question type is closed (CLOSE or CLOSED, any case), as MedUniEval's rule reads it.
bool ClosedQuestionType(std::string question_type);
// M3D's table name for its question type 1..5 (eval_3d.py's QUESTION_TYPE_MAPPING).
std::string M3dCategory(int type);
std::vector<EvalSample> LoadM3dMedUniEvalJson(const std::string& dir);
// A closed 3D question with its choices as M3D's and 3D-RAD's own evaluations write them
// (question, `separator` (M3D " ", 3D-RAD "\n"), "Choices: A. x B. y", choices "-" or empty
// dropped) and its gold "B. y".
std::pair<std::string, std::string> WithChoices(const std::string& question, const char* separator,
                                                const std::vector<std::string>& choices, const std::string& letter,
                                                const std::string& answer, const std::string& where);
// 3D-RAD's table name for a task type: "Medical_Computation" -> "Medical Computation".
std::string Rad3dCategory(const std::string& type);
std::vector<EvalSample> LoadRad3dMedUniEvalJson(const std::string& dir);
// A report-generation sample (MedUniEval's prompt, the report headings cut from responses).
EvalSample ReportSample(std::vector<std::string> images, std::string report);
// MedUniEval's report list JSON; `first_image_only` as its CheXpert Plus loader shows them.
std::vector<EvalSample> LoadReportList(const std::string& dir, const std::string& file, bool first_image_only);

// `path` made absolute against the benchmark folder when relative.
std::string UnderDir(const std::string& dir, const std::string& path);

// A required string field of a source record, or an hm::Error naming file, record and field.
std::string Field(const nlohmann::json& record, const char* name, const std::string& where);

// The record's own id (string or number) when it has one, else the position.
std::string SourceId(const nlohmann::json& record, const char* name, size_t position);

}  // namespace hm::eval
