#include "data/phantom_text.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "core/error.h"
#include "data/phantom_volume.h"

namespace hm {
namespace {

using Json = nlohmann::ordered_json;
using M = PhantomModality;

const std::vector<std::string> kModalityNames = {"CT", "MRI", "X-ray", "ultrasound", "endoscopy", "pathology",
                                                 "fundus photography"};
const std::vector<std::string> kRegions = {"chest", "abdomen", "head", "heart", "colon", "tissue", "eye"};
const std::vector<std::string> kSizeClasses = {"small", "medium", "large"};

bool IsVolume(const PhantomStudy& s) { return s.modality == M::kCt || s.modality == M::kMr; }
bool IsVideo(const PhantomStudy& s) { return s.modality == M::kUltrasound || s.modality == M::kEndoscopy; }
// Sides are the patient's on radiology images, the image's on photographs.
bool PatientSides(const PhantomStudy& s) { return s.modality <= M::kUltrasound; }

std::string Noun(const PhantomStudy& s, bool plural = false) {
  std::string n;
  switch (s.modality) {
    case M::kCt: n = s.region == "chest" ? "nodule" : s.region == "head" ? "hemorrhage" : "lesion"; break;
    case M::kMr: n = "lesion"; break;
    case M::kXray: n = "nodule"; break;
    case M::kUltrasound: n = "cyst"; break;
    case M::kEndoscopy: n = "polyp"; break;
    case M::kPathology: return plural ? "tumour foci" : "tumour focus";
    case M::kFundus: n = "hemorrhage"; break;
  }
  return plural ? n + "s" : n;
}

std::string Kind(const PhantomStudy& s) {
  switch (s.modality) {
    case M::kCt: return "CT scan of the " + s.region;
    case M::kMr: return "MRI of the " + s.region;
    case M::kXray: return "chest X-ray";
    case M::kUltrasound: return s.region == "heart" ? "cardiac ultrasound" : "abdominal ultrasound";
    case M::kEndoscopy: return "colonoscopy";
    case M::kPathology: return "H&E pathology image";
    case M::kFundus: return "fundus photograph";
  }
  return "";
}

std::string Capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string CountWord(size_t n) {
  static const char* words[] = {"no", "one", "two", "three", "four"};
  return n < 5 ? words[n] : std::to_string(n);
}

const PhantomLesion& Largest(const PhantomStudy& s) {
  return *std::max_element(s.lesions.begin(), s.lesions.end(),
                           [](const PhantomLesion& a, const PhantomLesion& b) { return a.diameter_mm < b.diameter_mm; });
}

std::string SideWords(const PhantomStudy& s, const std::string& side) {
  if (!PatientSides(s)) return "the " + side + " half of the image";
  if (s.region == "chest") return "the " + side + " lung";
  return "the patient's " + side + " side";
}

// "a medium (20 mm) nodule in the right lung at slice 12"
std::string Describe(const PhantomStudy& s, const PhantomLesion& l) {
  std::string out = std::string("a ") + SizeClass(l.diameter_mm) + " (" + std::to_string(std::lround(l.diameter_mm)) +
                    " mm) " + Noun(s) + " in " + SideWords(s, l.side);
  if (IsVolume(s)) out += " centred on slice " + std::to_string(l.slice + 1);
  return out;
}

std::string Findings(const PhantomStudy& s) {
  if (s.lesions.empty()) return "No " + Noun(s) + " is seen.";
  std::string out = Capitalized(CountWord(s.lesions.size())) + " " + Noun(s, s.lesions.size() > 1) + ": ";
  for (size_t i = 0; i < s.lesions.size(); ++i) out += (i ? "; " : "") + Describe(s, s.lesions[i]);
  return out + ".";
}

std::string Anatomy(const PhantomStudy& s) {
  switch (s.modality) {
    case M::kCt:
    case M::kMr:
      return s.region == "chest"   ? "The lungs are aerated around the heart; the spine lies posteriorly."
             : s.region == "head"  ? "The skull surrounds the brain; the two lateral ventricles are symmetric."
                                   : "The liver lies on the patient's right; both kidneys sit beside the spine.";
    case M::kXray: return "Frontal view: both lung fields, the mediastinum and the spine are shown.";
    case M::kUltrasound:
      return std::string("A sector scan with speckle; a dark chamber near the probe ") +
             (s.motion == "grows" ? "grows larger" : "becomes smaller") + " over the loop.";
    case M::kEndoscopy:
      return "Pink mucosa with circular folds around a dark lumen; an instrument enters from the " + s.tool_side +
             " side and " + (s.motion == "advances" ? "advances toward the centre." : "withdraws toward the edge.");
    case M::kPathology: return "Pink stroma with scattered small nuclei.";
    case M::kFundus:
      return "The optic disc lies on the image " + std::string(s.eye == "right" ? "right" : "left") + " (a " + s.eye +
             " eye), with vessels arching toward the macula.";
  }
  return "";
}

std::string Impression(const PhantomStudy& s) {
  if (s.lesions.empty()) return "Normal study.";
  const PhantomLesion& l = Largest(s);
  return Capitalized(CountWord(s.lesions.size())) + " " + Noun(s, s.lesions.size() > 1) + ", the largest " +
         SizeClass(l.diameter_mm) + " in " + SideWords(s, l.side) + ".";
}

// A multiple-choice question: the right option and three others from `pool`, shuffled.
std::pair<std::string, std::string> Choices(Rng& rng, const std::vector<std::string>& pool, const std::string& right) {
  std::vector<std::string> options{right};
  while (options.size() < std::min<size_t>(4, pool.size())) {
    const std::string& o = rng.Pick(pool);
    if (std::find(options.begin(), options.end(), o) == options.end()) options.push_back(o);
  }
  for (size_t i = options.size() - 1; i > 0; --i) std::swap(options[i], options[rng.Next() % (i + 1)]);
  std::string text, letter;
  for (size_t i = 0; i < options.size(); ++i) {
    const char l = static_cast<char>('A' + i);
    text += std::string("\n") + l + ". " + options[i];
    if (options[i] == right) letter = std::string(1, l);
  }
  return {text, letter};
}

class SampleWriter {
 public:
  SampleWriter(const PhantomStudy& s, const PhantomMedia& m, Rng& rng) : s_(s), m_(m), rng_(rng) {}

  // A sample on the study's primary media: the volume for CT/MR (NIfTI or, for CT, the DICOM
  // series at random), the still image otherwise, or the video when `video` is set.
  void Add(const std::string& family, int stage, const std::string& format, const std::string& question,
           const std::string& answer, bool video = false) {
    Json j;
    j["id"] = s_.id + "_" + std::to_string(out_.size());
    std::string placeholder = "<image>";
    if (IsVolume(s_)) {
      const bool dicom = !m_.dicom.empty() && rng_.Chance(0.5);
      Json v;
      v["path"] = dicom ? m_.dicom : m_.nifti;
      v["slices"] = kPhantomSlices;
      v["axis"] = "axial";
      if (dicom) v["window"] = s_.region == "chest" ? "lung" : s_.region == "head" ? "brain" : "abdomen";
      j["volume"] = v;
      placeholder = "<video>";
    } else if (video) {
      j["video"] = Json::array({m_.video});
      placeholder = "<video>";
    } else {
      j["image"] = m_.image;
    }
    Finish(j, family, stage, format, placeholder + "\n" + question, answer);
  }

  void AddTextOnly(const std::string& question, const std::string& answer) {
    Json j;
    j["id"] = s_.id + "_" + std::to_string(out_.size());
    Finish(j, "text_only", 3, "open", question, answer);
    out_.back()["modality"] = "text";  // about the world, not about this study's images
    out_.back().erase("region");
  }

  // Static questions on videos use the clip half of the time.
  bool MaybeVideo() { return IsVideo(s_) && rng_.Chance(0.5); }

  std::vector<Json> Take() { return std::move(out_); }

 private:
  void Finish(Json& j, const std::string& family, int stage, const std::string& format, const std::string& human,
              const std::string& answer) {
    j["conversations"] = Json::array({Json{{"from", "human"}, {"value", human}}, Json{{"from", "gpt"}, {"value", answer}}});
    j["family"] = family;
    j["stage"] = stage;
    j["format"] = format;
    j["answer"] = answer;
    j["modality"] = ModalityName(s_.modality);
    j["region"] = s_.region;
    j["source"] = "phantoms";
    j["language"] = "en";
    out_.push_back(std::move(j));
  }

  const PhantomStudy& s_;
  const PhantomMedia& m_;
  Rng& rng_;
  std::vector<Json> out_;
};

std::string Format(Rng& rng, bool closed, bool open, bool mcq) {
  std::vector<std::string> f;
  if (closed) f.push_back("closed");
  if (open) f.push_back("open");
  if (mcq) f.push_back("mcq");
  return rng.Pick(f);
}

// One fact of the world per study, asked without an image.
void AddTextOnly(SampleWriter& w, Rng& rng) {
  struct Fact {
    std::string question, answer;
  };
  const int d = rng.Int(5, 40);
  const std::vector<Fact> facts = {
      {"In the phantom world, what is the CT value of aerated lung?", std::to_string(PhantomHu::kLung) + " HU"},
      {"In the phantom world, what is the CT value of fat?", std::to_string(PhantomHu::kFat) + " HU"},
      {"In the phantom world, what is the CT value of bone in the spine?", std::to_string(PhantomHu::kBone) + " HU"},
      {"In the phantom world, what is the CT value of air?", std::to_string(PhantomHu::kAir) + " HU"},
      {"In the phantom world, what is the CT value of the liver?", std::to_string(PhantomHu::kLiver) + " HU"},
      {"In the phantom world, how dense is an acute brain hemorrhage on CT?", std::to_string(LesionHu("head")) + " HU"},
      {"Which size class is a lesion of " + std::to_string(d) + " mm?", SizeClass(d)},
      {"On a fundus photograph of a right eye, on which side of the image is the optic disc?", "right"},
      {"On a fundus photograph of a left eye, on which side of the image is the optic disc?", "left"},
      {"On an axial CT displayed in radiological convention, on which side of the image is the patient's right?",
       "left"},
      {"How does a simple cyst look on ultrasound?", "A dark (anechoic) round area with brighter tissue behind it."},
      {"Which organ lies on the patient's right side in the upper abdomen?", "the liver"},
  };
  const Fact& f = rng.Pick(facts);
  w.AddTextOnly(f.question, f.answer);
}

}  // namespace

std::vector<Json> PhantomSamples(const PhantomStudy& s, const PhantomMedia& m, Rng& rng) {
  SampleWriter w(s, m, rng);
  const std::string kind = Kind(s), noun = Noun(s), nouns = Noun(s, true);
  const size_t n = s.lesions.size();

  // Stage 1: short captions. Stage 2: long captions and open QA.
  w.Add("caption_short", 1, "open", rng.Pick<std::string>({"Describe this image briefly.", "Give a short caption.",
                                                           "What is shown here, in a few words?"}),
        Capitalized(kind) + (n ? ", " + CountWord(n) + " " + (n > 1 ? nouns : noun) + "." : ", normal."));
  w.Add("caption_long", 2, "open", rng.Pick<std::string>({"Describe this image in detail.", "Write a detailed caption."}),
        Capitalized(kind) + ". " + Anatomy(s) + " " + Findings(s));
  w.Add("open_qa", 2, "open", rng.Pick<std::string>({"What abnormality is seen, and where?", "Describe the findings."}),
        Findings(s));

  // Stage 3: VQA by family.
  {
    const std::string truth = ModalityName(s.modality);
    const std::string f = Format(rng, true, true, true);
    const bool video = w.MaybeVideo();
    if (f == "open") {
      w.Add("modality", 3, f, rng.Pick<std::string>({"What imaging modality is this?", "Which modality was used?"}), truth, video);
    } else if (f == "closed") {
      const std::string asked = rng.Chance(0.5) ? truth : rng.Pick(kModalityNames);
      w.Add("modality", 3, f, "Is this a " + asked + " study?", asked == truth ? "yes" : "no", video);
    } else {
      const auto [options, letter] = Choices(rng, kModalityNames, truth);
      w.Add("modality", 3, f, "Which imaging modality is shown?" + options, letter, video);
    }
  }
  {
    const std::string f = Format(rng, true, true, true);
    const bool video = w.MaybeVideo();
    if (f == "open") {
      w.Add("body_region", 3, f, rng.Pick<std::string>({"Which body region is imaged?", "What part of the body is shown?"}),
            s.region, video);
    } else if (f == "closed") {
      const std::string asked = rng.Chance(0.5) ? s.region : rng.Pick(kRegions);
      w.Add("body_region", 3, f, "Does this image show the " + asked + "?", asked == s.region ? "yes" : "no", video);
    } else {
      const auto [options, letter] = Choices(rng, kRegions, s.region);
      w.Add("body_region", 3, f, "Which body region is shown?" + options, letter, video);
    }
  }
  // Draws happen in separate statements: the order of evaluating arguments is unspecified.
  {
    const std::string question = rng.Pick<std::string>({"Is there a " + noun + "?", "Is any " + noun + " visible?"});
    w.Add("lesion_presence", 3, "closed", question, n ? "yes" : "no", w.MaybeVideo());
  }
  {
    const std::string f = Format(rng, false, true, true);
    const bool video = w.MaybeVideo();
    if (f == "open") {
      w.Add("lesion_count", 3, f, "How many " + nouns + " are there?", std::to_string(n), video);
    } else {
      const auto [options, letter] = Choices(rng, {"0", "1", "2", "3"}, std::to_string(n));
      w.Add("lesion_count", 3, f, "How many " + nouns + " are visible?" + options, letter, video);
    }
  }
  const std::string where = PatientSides(s) ? "side of the patient" : "half of the image";
  if (n) {
    const PhantomLesion& big = Largest(s);
    if (rng.Chance(0.5)) {
      w.Add("laterality", 3, "open", "On which " + where + " is the largest " + noun + "?", big.side, w.MaybeVideo());
    } else {
      const std::string side = rng.Chance(0.5) ? "left" : "right";
      const bool any = std::any_of(s.lesions.begin(), s.lesions.end(), [&](const PhantomLesion& l) { return l.side == side; });
      w.Add("laterality", 3, "closed", "Is there a " + noun + " on the " + side + " " + where + "?", any ? "yes" : "no",
            w.MaybeVideo());
    }
    if (s.modality != M::kPathology && s.modality != M::kFundus) {
      const std::string cls = SizeClass(big.diameter_mm);
      const bool video = w.MaybeVideo();
      if (rng.Chance(0.5)) {
        w.Add("size_class", 3, "open", "Is the largest " + noun + " small, medium or large?", cls, video);
      } else {
        const auto [options, letter] = Choices(rng, kSizeClasses, cls);
        w.Add("size_class", 3, "mcq", "What is the size class of the largest " + noun + "?" + options, letter, video);
      }
    }
    if (IsVolume(s)) {
      w.Add("slice", 3, "open",
            "The axial slices are numbered 1 to " + std::to_string(kPhantomSlices) +
                " in order. Which slice passes through the centre of the largest " + noun + "?",
            "slice " + std::to_string(big.slice + 1));
    }
  }
  if (s.modality == M::kFundus) {
    w.Add("laterality", 3, "open", "Is this a left or a right eye?", s.eye + " eye");
  }
  const std::string frames = "The frames are numbered 1 to " + std::to_string(s.frames) + ". ";
  if (s.modality == M::kEndoscopy) {
    w.Add("laterality", 3, "open", "From which side of the image does the instrument enter?", s.tool_side, true);
    w.Add("frame", 3, "open", frames + "In which frame does the instrument first appear?",
          "frame " + std::to_string(s.first_frame + 1), true);
    const bool advances = s.motion == "advances";
    if (rng.Chance(0.5)) {
      w.Add("change", 3, "open", "How does the instrument move during the clip?",
            advances ? "It advances toward the centre of the view." : "It withdraws toward the edge of the view.", true);
    } else {
      w.Add("change", 3, "closed", "Does the instrument advance during the clip?", advances ? "yes" : "no", true);
    }
  }
  if (s.modality == M::kUltrasound) {
    const bool grows = s.motion == "grows";
    w.Add("frame", 3, "open", frames + "In which frame is the dark chamber largest?",
          "frame " + std::to_string(grows ? s.frames : 1), true);
    if (rng.Chance(0.5)) {
      w.Add("change", 3, "open", "What changes between the first and the last frame?",
            grows ? "The dark chamber grows larger." : "The dark chamber becomes smaller.", true);
    } else {
      w.Add("change", 3, "closed", "Does the dark chamber become larger during the loop?", grows ? "yes" : "no", true);
    }
  }
  w.Add("report", 3, "open", rng.Pick<std::string>({"Write a short report.", "Write the findings and impression."}),
        "Findings: " + Findings(s) + " Impression: " + Impression(s));
  AddTextOnly(w, rng);
  return w.Take();
}

}  // namespace hm
