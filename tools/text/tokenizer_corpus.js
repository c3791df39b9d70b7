// The corpus the tokenizer parity goldens are made from: hand-written lines covering the
// scripts, whitespace and special-token cases the issue lists, plus generated stress lines.
"use strict";

const handWritten = [
  "",
  " ",
  "a",
  "Hello world",
  "The patient is a 45-year-old male presenting with chest pain radiating to the left arm.",
  "CT scan shows a 2.3 cm hypodense lesion in segment VII of the liver; no lymphadenopathy.",
  "MRI T2-weighted FLAIR: hyperintensities in the periventricular white matter (Fazekas grade 2).",
  "Blood pressure 140/90 mmHg, HR 88 bpm, SpO2 97% on room air, temp 38.2°C.",
  "Dose: 0.5 mg/kg IV q6h; max 40mg/day. eGFR = 58 mL/min/1.73m².",
  "患者男性，65岁，因咳嗽、咳痰两周入院。胸部CT示右肺下叶见一大小约3.2×2.8cm的肿块影。",
  "诊断：1. 右肺癌（T2aN1M0，IIB期）；2. 高血压病3级（极高危）。",
  "El paciente presenta dolor abdominal agudo en el cuadrante inferior derecho, sugestivo de apendicitis.",
  "Le patient présente une insuffisance cardiaque congestive décompensée; échographie: FEVG à 35 %.",
  "У пациента наблюдается острый инфаркт миокарда с подъёмом сегмента ST в отведениях V1–V4.",
  "患者は60歳の女性で、右乳房にしこりを自覚して来院した。マンモグラフィーでカテゴリー4。",
  "환자는 복통과 발열을 주소로 내원하였다. 복부 CT에서 충수염 소견이 관찰되었다.",
  "Der Patient klagt über Atemnot bei Belastung; Röntgen-Thorax: Pleuraerguss beidseits.",
  "Il paziente è stato sottoposto a colecistectomia laparoscopica senza complicanze.",
  "O paciente apresenta cefaleia intensa, rigidez de nuca e fotofobia — suspeita de meningite.",
  "المريض يعاني من ارتفاع ضغط الدم والسكري من النوع الثاني منذ عشر سنوات.",
  "החולה אושפז עם דלקת ריאות חיידקית.",
  "रोगी को तेज बुखार और सिरदर्द है, मलेरिया की जांच करें।",
  "Bệnh nhân nam, 50 tuổi, vào viện vì đau ngực trái.",
  "ผู้ป่วยมีอาการไข้สูงและปวดศีรษะ",
  "Ο ασθενής παρουσιάζει πυρετό και βήχα.",
  "Hasta göğüs ağrısı ile acil servise başvurdu.",
  "Pacjent zgłosił się z bólem w klatce piersiowej.",
  "1234567890 3.14159 -42 +7 1e-9 0x1F 1,000,000 ½ ¾ ² ³ Ⅻ ① ٣ ४",
  "10mg 5 mL 37.5℃ 98.6°F 120/80 60kg 1.75m 3mmol/L 4×10⁹/L",
  "a  b   c    d\t\te\t \tf",
  "line one\nline two\n\nline four\n\n\n",
  "windows\r\nline\r\nendings\r\n",
  "   leading and trailing spaces   ",
  "\n\n\nstarts with newlines",
  "tabs\tand\u000bvertical\u000cform feed",
  "\u00a0non-breaking\u2003em space\u3000ideographic\u2028line sep\u0085nel",
  "👨‍👩‍👧‍👦 family, 👍🏽 thumbs up, 🏳️‍🌈 flag, 🧑🏿‍⚕️ health worker",
  "emoji only 😀😃😄😁😆😅🤣😂🙂🙃",
  "e\u0301 vs é, n\u0303 vs ñ, A\u030a vs Å, \u1e9b\u0323",
  "Ｆｕｌｌｗｉｄｔｈ ｌｅｔｔｅｒｓ and ﬁ ligature",
  "def f(x):\n    return x ** 2  # square\n\nprint(f(3))",
  "for (int i = 0; i < n; ++i) { sum += a[i]; }",
  "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
  "https://pubmed.ncbi.nlm.nih.gov/12345678/?term=covid-19&sort=date#results",
  "mailto:doctor@hospital.org, ftp://files.example.com/path/to/file.tar.gz",
  "pneumonoultramicroscopicsilicovolcanoconiosis",
  "Hepaticocholangiocholecystenterostomies and antidisestablishmentarianism",
  "I'm sure they're here, we've done it, you'll see, he'd know, it's John's.",
  "I'M SURE THEY'RE HERE, WE'VE DONE IT, YOU'LL SEE, HE'D KNOW, IT'S JOHN'S.",
  "don'T 'S 'Re 'vE 'LL 'ſ '' ' '  'x",
  "<|im_start|>user\nWhat is shown in this image?<|im_end|>\n<|im_start|>assistant\n",
  "<|im_start|>system\nYou are a helpful medical assistant.<|im_end|>",
  "<|endoftext|>",
  "text<|endoftext|>more text<|im_end|><|im_start|>",
  "<think>\nThe lesion is likely benign.\n</think>\n\nAnswer: benign.",
  "fragments: <|im_start <|im_end| im_start|> <|endoftext <| |> <think </think",
  "<image>\nDescribe the image. <image><image>",
  "<|vision_start|><|image_pad|><|vision_end|>",
  "  <|im_start|>  spaced  <|im_end|>  ",
  "Time 1.0s:<image>,Time 2.0s:<image>\nWhat changes?",
  "!!!???...,,,;;;:::---___===+++",
  " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
  "\u0000\u0001\u0002\u001f\u007f control",
  "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom",
  "𝔐𝔞𝔱𝔥 𝕄𝕒𝕥𝕙 𝐁𝐨𝐥𝐝 and 𠜎𠜱𠝹 ext-B",
  "Ĥēļļō ŵőŗłđ with Latin Extended-A",
  "ǅ ǈ ǋ titlecase and ʰʲ modifier letters",
  "𝟘𝟙𝟚 math digits and ٠١٢ Arabic-Indic",
  "WBC 12.5×10^9/L↑, Hb 98 g/L↓, PLT 450×10^9/L↑",
  "ICD-10: J18.9; SNOMED CT: 233604007; LOINC 2160-0",
];

function generated() {
  const out = [];
  out.push("x".repeat(5000));
  out.push("ab".repeat(2000));
  out.push("中".repeat(1000));
  out.push("😀".repeat(300));
  out.push(" ".repeat(100) + "end");
  out.push("\n".repeat(50) + "\t".repeat(50));
  out.push("1".repeat(400));
  out.push("<|im_end|>".repeat(20));
  // Deterministic pseudo-random mixtures of all of the above.
  const pieces = handWritten.filter((s) => s.length > 0);
  let seed = 12345;
  const rand = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let k = 0; k < 60; ++k) {
    let s = "";
    const parts = 2 + rand(5);
    for (let p = 0; p < parts; ++p) {
      const src = pieces[rand(pieces.length)];
      const a = rand(src.length), b = a + rand(40);
      s += [...src].slice(a, b).join("") + [" ", "\n", "", "  ", "\r\n", "\t"][rand(6)];
    }
    out.push(s);
  }
  return out;
}

module.exports = { corpus: handWritten.concat(generated()) };
