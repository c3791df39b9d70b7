#include "eval/paper_figures.h"

namespace hm::eval {

const char* PaperFiguresSource() {
  return "Jiang et al., \"Hulu-Med: A Transparent Generalist Model towards Holistic Medical Vision-Language "
         "Understanding\", arXiv:2510.08668, comparison tables of medical multimodal and medical text benchmarks, "
         "as reproduced in the authors' README (github.com/ZJUI-AI4H/Hulu-Med, commit a0060ad, \"Performance "
         "Highlights\"). Accuracy in percent.";
}

const std::vector<PaperFigure>& PaperFigures() {
  // Columns in the order of the two tables; values for Hulu-Med-7B, -14B, -32B.
  static const std::vector<PaperFigure> figures = [] {
    struct Row {
      const char* benchmark;
      const char* column;
      double b7, b14, b32;
    };
    static const Row kRows[] = {
        // Medical multimodal benchmarks.
        {"OmniMedVQA", "OM.VQA", 84.2, 85.1, 84.6},
        {"PMC_VQA", "PMC-VQA", 66.8, 68.9, 69.4},
        {"VQA_RAD", "VQA-RAD", 78.0, 76.1, 81.4},
        {"SLAKE", "SLAKE", 86.8, 86.5, 85.7},
        {"PATH_VQA", "PathVQA", 65.6, 64.4, 67.3},
        {"MedXpertQA-MM", "MedXQA (multimodal)", 29.0, 30.0, 34.0},
        {"MMMU-Medical-val", "MMMU-Med", 51.4, 54.8, 60.4},
        // Medical text benchmarks.
        {"MMLU_Pro", "MMLU-Pro", 60.6, 68.0, 72.9},
        {"MedXpertQA-Text", "MedXQA (text)", 19.6, 23.2, 24.2},
        {"Medbullets", "Medbullets", 61.5, 68.5, 68.8},
        {"SuperGPQA", "SGPQA", 31.1, 37.7, 41.8},
        {"PubMedQA", "PubMedQA", 77.4, 79.8, 80.8},
        {"MedMCQA", "MedMCQA", 67.6, 70.4, 72.8},
        {"MedQA_USMLE", "MedQA", 73.5, 78.1, 80.4},
        {"MMLU-medical", "MMLU-Med", 79.5, 83.3, 85.6},
    };
    std::vector<PaperFigure> v;
    for (const Row& r : kRows)
      v.push_back({r.benchmark, r.column, {{"Hulu-Med-7B", r.b7}, {"Hulu-Med-14B", r.b14}, {"Hulu-Med-32B", r.b32}}});
    return v;
  }();
  return figures;
}

const PaperFigure* FindPaperFigure(const std::string& benchmark) {
  for (const PaperFigure& f : PaperFigures())
    if (f.benchmark == benchmark) return &f;
  return nullptr;
}

}  // namespace hm::eval
