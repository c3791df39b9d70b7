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

// `path` made absolute against the benchmark folder when relative.
std::string UnderDir(const std::string& dir, const std::string& path);

// A required string field of a source record, or an hm::Error naming file, record and field.
std::string Field(const nlohmann::json& record, const char* name, const std::string& where);

// The record's own id (string or number) when it has one, else the position.
std::string SourceId(const nlohmann::json& record, const char* name, size_t position);

}  // namespace hm::eval
