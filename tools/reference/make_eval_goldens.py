#!/usr/bin/python3
"""Goldens for `hulumed eval score --scoring compat`: MedUniEval's own scoring functions run on
adversarial responses, one JSONL file per rule family under testdata/eval/.

MedUniEval is imported from a checkout OUTSIDE the repository; so are the pltrdy `rouge`
package (not in Debian: its published source, fetched from GitHub, is put on sys.path as is)
and MathRuler's `extract_boxed_content` (the package needs sympy and pylatexenc; the one
function is taken out of its published grader.py source with `ast` and run unchanged).
NLTK is Debian's python3-nltk; WordNet is Debian's wordnet-base (/usr/share/wordnet), which
lacks the `lexnames` file NLTK's reader opens: a stand-in with placeholder names is written
(lexnames only name synsets' lexicographer files; METEOR never reads them).

    git -C /work/.mirror/youkangqi+Hulu-Med/repo archive HEAD MedUniEval | tar -x -C /tmp/meduni
    git -C /work/.mirror/pltrdy+rouge/repo archive HEAD rouge | tar -x -C /tmp/pltrdy-rouge
    git -C /work/.mirror/hiyouga+MathRuler/repo show HEAD:mathruler/grader.py > /tmp/mathruler_grader.py
    /usr/bin/python3.11 tools/reference/make_eval_goldens.py --meduni /tmp/meduni/MedUniEval \
        --rouge /tmp/pltrdy-rouge --mathruler-grader /tmp/mathruler_grader.py --out testdata/eval

Each output line is one `hulumed eval score` input plus `"expected": verdict`, where verdict
is what MedUniEval computes (`{"correct", "scores"}`) or `{"error": "Type: message"}` when
MedUniEval raises on that input. MMMU's lines (mmmu.jsonl, MMMU's own eval_utils) also carry
`"expected_fixed"`: the same functions run as MMMU intends them, which the fixed mode follows.
"""
import argparse
import ast
import importlib
import json
import os
import random
import sys
import tempfile
import types


def install_stubs(mathruler_grader_path):
    """Modules MedUniEval imports for things other than scoring (API clients, progress bars)."""
    openai = types.ModuleType("openai")
    for name in ("AzureOpenAI", "OpenAI", "AsyncAzureOpenAI", "AsyncOpenAI"):
        setattr(openai, name, lambda *a, **k: None)
    sys.modules["openai"] = openai
    tenacity = types.ModuleType("tenacity")
    tenacity.retry = lambda *a, **k: (lambda f: f)
    tenacity.stop_after_attempt = tenacity.wait_fixed = lambda *a, **k: None
    sys.modules["tenacity"] = tenacity
    tabulate = types.ModuleType("tabulate")
    tabulate.tabulate = lambda *a, **k: ""
    sys.modules["tabulate"] = tabulate
    datasets = types.ModuleType("datasets")  # benchmark loaders only
    datasets.load_dataset = datasets.load_from_disk = lambda *a, **k: None
    sys.modules["datasets"] = datasets
    os.environ.setdefault("openai_api_key", "unused")  # utils.py builds a judge client at import

    source = open(mathruler_grader_path, encoding="utf-8").read()
    tree = ast.parse(source)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "extract_boxed_content")
    grader = types.ModuleType("mathruler.grader")
    exec(compile(ast.Module(body=[fn], type_ignores=[]), mathruler_grader_path, "exec"), grader.__dict__)
    mathruler = types.ModuleType("mathruler")
    mathruler.grader = grader
    sys.modules["mathruler"] = mathruler
    sys.modules["mathruler.grader"] = grader


def install_wordnet():
    """NLTK's wordnet reader over Debian's /usr/share/wordnet plus a stand-in lexnames."""
    root = tempfile.mkdtemp(prefix="evals_nltk_")
    wn = os.path.join(root, "corpora", "wordnet")
    os.makedirs(wn)
    for name in os.listdir("/usr/share/wordnet"):
        os.symlink(os.path.join("/usr/share/wordnet", name), os.path.join(wn, name))
    with open(os.path.join(wn, "lexnames"), "w") as f:
        for i in range(45):
            f.write(f"{i:02d}\tlex{i:02d}\t0\n")
    import nltk
    nltk.data.path.insert(0, root)


def load_meduni(meduni_dir):
    """MedUniEval/utils as package `meduni_utils`, without running its __init__ (which imports
    every benchmark and their heavy dependencies)."""
    pkg = types.ModuleType("meduni_utils")
    pkg.__path__ = [os.path.join(meduni_dir, "utils")]
    sys.modules["meduni_utils"] = pkg
    utils = importlib.import_module("meduni_utils.utils")
    eval_3d = importlib.import_module("meduni_utils.eval_3d")
    slake = importlib.import_module("meduni_utils.SLAKE.SLAKE")
    slake.tqdm = lambda x, **k: x
    mmmu_pkg = types.ModuleType("meduni_utils.MMMU")  # its __init__ imports torch and datasets
    mmmu_pkg.__path__ = [os.path.join(meduni_dir, "utils", "MMMU")]
    sys.modules["meduni_utils.MMMU"] = mmmu_pkg
    mmmu = importlib.import_module("meduni_utils.MMMU.eval_utils")
    return utils, eval_3d, slake, mmmu


def at_real_depth(real_depth, fn, *args):
    """Calls fn as if it ran at stack depth real_depth of MedUniEval's own program (its module
    frame is depth 1), by shifting the recursion limit by the difference: rouge's recursive LCS
    back-tracking raises RecursionError on long sentences at the depth MedUniEval would."""
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + (depth + 1 - real_depth))
    try:
        return fn(*args)
    finally:
        sys.setrecursionlimit(limit)


def error_of(e):
    return {"error": f"{type(e).__name__}: {e}"}


# ---------------------------------------------------------------------------------------------
# Verdicts: each is the benchmark code path of MedUniEval for that rule family.

def verdict_multi_choice(u, case):
    if case.get("prep") == "":  # PMC-VQA, MedFrameQA, MedMNIST: the raw response
        try:
            return {"correct": bool(u.judge_multi_choice(case["choices"], case["answer"], case["response"])), "scores": {}}
        except Exception as e:  # noqa: BLE001
            return error_of(e)
    # MedQA-USMLE, MedMCQA, PubMedQA, MMLU, MMLU-Pro, MedXpertQA, SuperGPQA, Medbullets,
    # OmniMedVQA: response = extract(response, "answer"); judge_multi_choice(choices, answer, response)
    try:
        response = u.extract(case["response"], "answer")
        return {"correct": bool(u.judge_multi_choice(case["choices"], case["answer"], response)), "scores": {}}
    except Exception as e:  # noqa: BLE001 - the golden records what MedUniEval raises
        return error_of(e)


def fnv1a(text):
    h = 14695981039346656037
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h


def verdict_mmmu(u, mmmu, case, fixed):
    """MMMU's run_model cut, then parse_multi_choice_response + eval_multi_choice or eval_open.
    Its unseeded random.choice becomes the FNV-1a draw hulumed's compat mode makes (fixed: no
    letter); compat passes the raw response to eval_open as MedUniEval does, fixed parses it."""
    from mathruler.grader import extract_boxed_content
    response = case["response"]
    if "<answer>" in response:
        response = u.extract(response, "answer")
    if extract_boxed_content(response) != "None":
        response = extract_boxed_content(response)
    try:
        if case["kind"] == "mmmu_multi_choice":
            letters = [c.split(". ", 1)[0] for c in case["choices"]]
            index2ans = {c.split(". ", 1)[0]: c.split(". ", 1)[1] for c in case["choices"]}
            drawn = response
            mmmu.random = types.SimpleNamespace(choice=lambda seq: None if fixed else seq[fnv1a(drawn) % len(seq)])
            pred = mmmu.parse_multi_choice_response(response, letters, index2ans)
            return {"correct": bool(mmmu.eval_multi_choice(case["answer"], pred)), "scores": {}}
        parsed = mmmu.parse_open_response(response) if fixed else response
        return {"correct": bool(mmmu.eval_open(case["answer"], parsed)), "scores": {}}
    except Exception as e:  # noqa: BLE001
        return error_of(e)


def vqa_preextract(u, response):
    # VQA-RAD / PATH-VQA / SLAKE cal_metrics: boxed content, else <answer> content.
    from mathruler.grader import extract_boxed_content
    if extract_boxed_content(response) != "None":
        return extract_boxed_content(response)
    if "<answer>" in response:
        return u.extract(response, "answer")
    return response


def verdict_slake(slake, case):
    """One sample through SLAKE.cal_metrics itself (rule-based: use_llm_judge unset)."""
    sample = {"response": case["response"], "answer": case["answer"], "question": case.get("question", ""),
              "answer_type": "OPEN" if case["kind"] == "open_ended" else "CLOSED"}
    try:
        _, out = at_real_depth(4, slake.SLAKE.cal_metrics, object.__new__(slake.SLAKE), [sample])
    except Exception as e:  # noqa: BLE001
        return error_of(e)
    if case["kind"] == "open_ended":
        m = out[0]["metrics"]
        return {"correct": bool(out[0]["correct"]), "scores": {k: float(v) for k, v in m.items()}}
    return {"correct": bool(out[0]["correct"]), "scores": {}}


def verdict_vqa(u, case, slake=None):
    if case.get("prep") == "boxed_or_answer_tag":
        return verdict_slake(slake, case)
    try:
        response = vqa_preextract(u, case["response"])
        answer = case["answer"].lower().strip()
        response = response.lower().strip()
        if case["kind"] == "judgement":
            return {"correct": bool(u.judge_judgement(answer, response)), "scores": {}}
        if case["kind"] == "close_ended":
            return {"correct": bool(u.judge_close_end_vqa(answer, response)), "scores": {}}
        # python eval.py: module, main, BaseDataset.eval, cal_metrics, judge_open_end_vqa
        m = at_real_depth(5, u.judge_open_end_vqa, answer, response)
        scores = {k: float(v) for k, v in m.items()}
        return {"correct": bool(m["em"]), "scores": scores}
    except Exception as e:  # noqa: BLE001
        return error_of(e)


def verdict_3d(e3d, case):
    """One sample through eval_3d._evaluate_core (M3D): its per-category means of a single
    sample are that sample's scores (x100, undone here)."""
    sample = {
        "conversations": [{"value": case.get("question", "")}, {"value": case["answer"]}],
        "response": case["response"],
        "type": 1,
        "Question_Type": "OPEN" if case["kind"] == "open_3d" else "CLOSED",
    }
    try:
        # python eval.py: module, main, BaseDataset.eval, M3D.cal_metrics, evaluate_m3d
        _, metrics, _ = at_real_depth(5, e3d.evaluate_m3d, [sample])
    except Exception as e:  # noqa: BLE001
        return error_of(e)
    cat = metrics["by_category"]["Plane"]
    if case["kind"] == "closed_3d":
        return {"correct": cat["closed"]["correct"] == 1, "scores": {}}
    names = {"exact_match": "exact_match", "f1": "f1", "precision": "precision", "recall": "recall",
             "rouge_1": "rouge1", "rouge_2": "rouge2", "rouge_l": "rougel", "bleu_1": "bleu1",
             "bleu_2": "bleu2", "bleu_3": "bleu3", "bleu_4": "bleu4", "meteor": "meteor"}
    return {"correct": None, "scores": {names[k]: v / 100 for k, v in cat["open"].items()}}


def verdict_report(case):
    # the script's loop body runs in its module frame: depth 1
    return at_real_depth(1, report_body, case)


def report_body(case):
    """The per-sample body of MedUniEval/utils/Metrics_Compute/cal_report_metrics.py (a script:
    it loads RaTEScore models at import, so its loop body is restated here line for line)."""
    from nltk.translate.meteor_score import single_meteor_score
    from nltk.translate.bleu_score import sentence_bleu
    from rouge import Rouge

    def prep_reports(reports):
        return [list(filter(lambda val: val != "", str(elem).lower().replace(".", " .").split(" ")))
                for elem in reports]

    try:
        response = case["response"]
        response = response.replace("Findings:", "")
        response = response.replace("Impression:", "")
        if response == "":
            # skipped, but the script still divides its sums by len(datas): it scores 0
            zero = {k: 0.0 for k in ("bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougel", "meteor")}
            return {"correct": None, "scores": zero}
        golden = case["answer"]
        tokenized_response = prep_reports([response.lower()])[0]
        tokenized_golden = prep_reports([golden.lower()])[0]
        bleu1 = sentence_bleu([tokenized_golden], tokenized_response, weights=[1])
        bleu2 = sentence_bleu([tokenized_golden], tokenized_response, weights=[0.5, 0.5])
        bleu3 = sentence_bleu([tokenized_golden], tokenized_response, weights=[1 / 3, 1 / 3, 1 / 3])
        bleu4 = sentence_bleu([tokenized_golden], tokenized_response, weights=[0.25, 0.25, 0.25, 0.25])
        rouge_scores = Rouge().get_scores(response.lower()[:2048], golden.lower())
        meteor = single_meteor_score(hypothesis=tokenized_response, reference=tokenized_golden)
        return {"correct": None, "scores": {
            "bleu1": float(bleu1), "bleu2": float(bleu2), "bleu3": float(bleu3), "bleu4": float(bleu4),
            "rouge1": rouge_scores[0]["rouge-1"]["f"], "rouge2": rouge_scores[0]["rouge-2"]["f"],
            "rougel": rouge_scores[0]["rouge-l"]["f"], "meteor": float(meteor)}}
    except Exception as e:  # noqa: BLE001
        return error_of(e)


# ---------------------------------------------------------------------------------------------
# Adversarial inputs.

WRAPPERS = [
    "{}", "{}.", " {} ", "{}\n", "({})", "The answer is {}.", "the answer is {}", "Answer: {}",
    "answer:{}", "**Answer**: {}", "**Answer:** {}", "*Answer*: {}", "Final answer: {}",
    "The final answer is {}", "\\boxed{{{}}}", "So the result is \\boxed{{{}}}.", "<answer>{}</answer>",
    "<think>hmm, maybe A</think><answer>{}</answer>", "答案: {}", "{}\n\nExplanation: because.",
    "Let me think.\n\n{}", "Reasoning first.\n\n{}. Done", "I think it's {} but not sure",
    "Option {}", "{}: that one", "boxed {}", "\\boxed{{\\text{{{}}}}}", "{}\n\nAnswer: {}",
]

LONG = ("The image shows a chest radiograph with clear lung fields. There is no pleural effusion. "
        "The cardiac silhouette is within normal limits. ") * 12


# Random responses from pieces that stress the parsers: tags, patterns, periods, colons,
# paragraph breaks, Python-only whitespace, case-mapping and final-sigma letters.
NOISE = ["A", "b", "C.", "d)", "answer is", "Answer:", "**Answer**", "final answer", "\\boxed{", "}", "boxed",
         "<answer>", "</answer>", "\n\n", "\n", ".", ":", " ", "\u3000", "\u00a0", "yes", "no", "nodule",
         "not", "left", "lung", "liver", "lobe", "right", "the", "a", "an", "two", "2", "1,000", "3.5",
         "ΟΔΟΣ", "İstanbul", "ﬁbrosis", "Ⅻ", "١٢", "cysts", "running", "studies", "better", "geese",
         "pneumonia", "Tuberculosis", "effusion", "(", ")", "-", ",", "!", "?", "答案:", "肺"]


def noise(rng, max_pieces=12):
    return "".join(rng.choice(NOISE) + rng.choice(["", " ", " ", ""]) for _ in range(rng.randint(0, max_pieces)))


def mc_cases(rng):
    sets = [
        (["A. Pneumonia", "B. Tuberculosis", "C. Lung cancer", "D. Sarcoidosis"], "A"),
        (["A. left", "B. right", "C. both", "D. neither"], "C"),
        (["A. yes", "B. no", "C. maybe"], "B"),
        (["A. Aspirin 81 mg daily", "B. Warfarin", "C. Heparin infusion", "D. Clopidogrel", "E. No therapy"], "E"),
        (["A. 心脏", "B. 肝脏", "C. 肺"], "C"),
        (["A. Café-au-lait spots", "B. Ash-leaf macules", "C. Lisch nodules", "D. Axillary freckling"], "D"),
        (["(A) MRI", "(B) CT", "(C) X-ray", "(D) Ultrasound"], "B"),
        (["A", "B", "C", "D"], "a"),
        (["A. Pneumonia", "B. Tuberculosis", "C. Lung cancer", "D. Sarcoidosis"], "Tuberculosis"),
        ([], "A"),
    ]
    answers = ["A", "B", "C", "D", "E", "a", "b", "c", "d", "F", "Z", "", "tuberculosis", "Lung cancer",
               "sarcoidosis", "pneumonia.", "none of the above", "A and B", "B)", "c.", "C. Lung cancer",
               "b. tuberculosis", "Ⓑ", "ａ", "I cannot determine", "\n", "   ", "The answer is", "Lisch", "肺"]
    out = []
    for choices, answer in sets:
        for _ in range(30):
            w = rng.choice(WRAPPERS)
            a = rng.choice(answers)
            out.append({"kind": "multi_choice", "question": "Which is the most likely diagnosis?",
                        "choices": choices, "answer": answer, "response": w.format(a, a)})
    extra = ["", " ", "\n\n", "B\n\nBecause the lesion is cavitary.", "The lesion is cavitary.\n\nB",
             "B. Tuberculosis", "b", "b.", "Tuberculosis", "tuberculos", "A or B", LONG,
             LONG + "\n\nB", "Answer: B\nFinal answer: C", "answer is b. answer is c", "\\boxed{B",
             "\\boxed{}", "\\boxed{{B}}", "<answer></answer>", "<answer>B", "ＢＣ", "ß", "İ", "Σ",
             "x" * 250, "lung " * 60, "Based on the boxed region, C", "答案:B"]
    for r in extra:
        out.append({"kind": "multi_choice", "choices": sets[0][0], "answer": "B", "response": r})
    for r in ["\\boxed{A} <answer>B</answer>", "<answer>B</answer>", "B", "The answer is B.", "",
              "<answer>\\boxed{C}</answer>"]:
        out.append({"kind": "multi_choice", "prep": "", "choices": sets[0][0], "answer": "B", "response": r})
        out.append({"kind": "multi_choice", "choices": sets[0][0], "answer": "B", "response": r})
    for _ in range(150):
        choices, answer = rng.choice(sets[:-1])
        out.append({"kind": "multi_choice", "choices": choices, "answer": answer, "response": noise(rng, 30)})
    return out


def mmmu_cases(rng):
    out = []
    sets = [
        (["A. Aorta", "B. Heart's apex", "C. Vena cava", "D. Pulmonary artery"], "A"),
        (["A. 5 mg", "B. 10 mg", "C. 20 mg"], "C"),
        (["A. <img='https://x/1.png'>", "B. <img='https://x/2.png'>"], "B"),
        (["A. increase", "B. decrease", "C. no change", "D. cannot be determined", "E. both"], "D"),
    ]
    letters = ["A", "B", "C", "D", "E", "(A)", "(B)", "(C)", "a", "b", "A or B", "B and C", "(A) or (C)",
               "A, then B", "Heart's apex", "vena cava", "the aorta", "10 mg", "decrease", "no change",
               "", "None", "E.", "D!", "'C'", "F"]
    for choices, answer in sets:
        for _ in range(40):
            w = rng.choice(WRAPPERS)
            out.append({"kind": "mmmu_multi_choice", "choices": choices, "answer": answer,
                        "response": w.format(rng.choice(letters), rng.choice(letters))})
    for r in ["The correct option is the vena cava because it returns blood to the heart",
              "It could be the aorta or the vena cava, but the heart's apex is more likely here",
              "I would pick (B) over (A) given the image", "Both A and B are wrong; the answer is C",
              "\\boxed{B", "<answer>(C)</answer>", "\\boxed{\\text{(D)}}", LONG, "x " * 10, "(A)(B)(A)"]:
        out.append({"kind": "mmmu_multi_choice", "choices": sets[0][0], "answer": "C", "response": r})
    golds = ["12", "1,000", "0.5", "3.14159", "left ventricle", "a", "", "  ", "1e3", "nan", "١٢", "-2",
             "1_000", "inf", "0.125", "Mitral valve", "x"]
    replies = ["The answer is {}.", "{}", "so the result is {}", "= {}", "It is the {}.", "therefore {}",
               "Thus {}\nFinal answer: {}", "Let me compute.\nx = 3 + 9\nSo {}", "about {} mg", "{} or so",
               "\\boxed{{{}}}", "<answer>{}</answer>", "could be {}, is {}", "The result is: {}"]
    values = ["12", "12.0", "1000", "1,000", "1,000.5", "0.50", ".5", "3.14", "3.1416", "left ventricle",
              "the left ventricle", "A", "a", "", "1e3", "1.5e3", "-2", "- 2", "١٢", "1_000", "twelve",
              "12%", "12.004", "1234,567", "mitral valve", "inf"]
    for gold in golds:
        for _ in range(14):
            r = rng.choice(replies)
            out.append({"kind": "mmmu_open", "answer": gold, "response": r.format(rng.choice(values), rng.choice(values))})
    for _ in range(60):
        out.append({"kind": "mmmu_open", "answer": rng.choice(golds), "response": noise(rng, 20)})
        choices, answer = rng.choice(sets)
        out.append({"kind": "mmmu_multi_choice", "choices": choices, "answer": answer, "response": noise(rng, 20)})
    return out


def vqa_cases(rng):
    out = []
    yn = ["yes", "no", "Yes", "No", "YES", "Yes, a nodule is present", "No, there is no nodule",
          "no nodule", "There is a nodule.", "Not sure", "I don't know", "Yes.", "no.", "yes and no",
          "The eyes are normal", "nothing", "Unknown", "", " ", "Yes, the lesion is benign; no mass effect.",
          "Affirmative", "是", "No abnormality", "None", "yes\nno"]
    for ans in ["yes", "no", "Yes", "No "]:
        for _ in range(40):
            w = rng.choice(WRAPPERS)
            out.append({"kind": "judgement", "question": "Is there a nodule?", "answer": ans,
                        "response": w.format(rng.choice(yn), rng.choice(yn))})
    for r in yn:
        out.append({"kind": "judgement", "answer": "no", "response": r})
    closed = ["left", "right lung", "Left lung", "left lung.", "CT", "ct scan", "MRI", "axial",
              "The left lung", "left\nlung", "left. lung", "", "   ", "Left Lung!", "x-ray", "Chest X-ray",
              "肺", "Ösophagus", "T1", "t2-weighted", "3", "three", "3.5 cm"]
    for ans in ["left lung", "CT", "Chest X-ray", "3", "t2"]:
        for _ in range(30):
            w = rng.choice(WRAPPERS)
            out.append({"kind": "close_ended", "question": "Where is the lesion?", "answer": ans,
                        "response": w.format(rng.choice(closed), rng.choice(closed))})
    opens = ["right lower lobe", "The lesion is in the right lower lobe.", "right lower lobe pneumonia",
             "lobe lower right", "liver", "the liver", "Liver.", "hepatic lesion in the right lobe",
             "a mass in the left kidney", "kidney", "pleural effusion", "bilateral pleural effusions",
             "cardiomegaly", "no", "", " ", ".", "...", "the", "Answer:", "\\boxed{}", "<answer> </answer>",
             "right. lower. lobe.", "right  lower\tlobe", "ÉCHO", "肝脏", "right lower lobe " * 30, LONG,
             "x", "1.5 cm", "1,5 cm", "two"]
    for ans in ["right lower lobe", "liver", "pleural effusion", "1.5 cm", "cardiomegaly", "no lesion"]:
        for _ in range(40):
            w = rng.choice(WRAPPERS)
            out.append({"kind": "open_ended", "question": "What is abnormal?", "answer": ans,
                        "response": w.format(rng.choice(opens), rng.choice(opens))})
    for r in opens:
        out.append({"kind": "open_ended", "answer": "right lower lobe", "response": r})
    out.append({"kind": "open_ended", "answer": "...", "response": "liver"})
    for words in (400, 987, 988, 1500):  # one sentence: rouge's recursive LCS vs the recursion limit
        out.append({"kind": "open_ended", "answer": "liver", "response": " ".join(f"w{i % 50}" for i in range(words))})
    slake_responses = ["Liver\n", " liver", "", "  ", "\n", "Yes", "no.", "\\boxed{ Liver }", "<answer>Lung</answer>",
                       "The answer is liver.", "LIVER", "yes, no", "Left Lung", " left lung ", "."]
    for ans in ["Liver", "left lung", "Yes", "No", "lung "]:
        for r in slake_responses:
            kind = "judgement" if ans.lower().strip() in ("yes", "no") else rng.choice(["open_ended", "close_ended"])
            out.append({"kind": kind, "prep": "boxed_or_answer_tag", "answer": ans, "response": r})
    for _ in range(150):
        kind = rng.choice(["judgement", "close_ended", "open_ended"])
        answer = rng.choice(["yes", "no"]) if kind == "judgement" else rng.choice(["left lung", "liver", "ΟΔΟΣ", "2"])
        out.append({"kind": kind, "answer": answer, "response": noise(rng)})
    return out


def cases_3d(rng):
    out = []
    closed = ["A", "a", "B.", "b) axial", "C: coronal", "D", "E", "Answer: C", "The answer is B",
              "bilateral", "c", "coronal", "(A)", " d ", "", "A. Axial plane", "Ａ", "\\boxed{B}", "a)"]
    for ans in ["A", "B. Sagittal", "c", "D) Coronal", "Coronal"]:
        for _ in range(40):
            out.append({"kind": "closed_3d", "question": "Which plane?", "answer": ans,
                        "response": rng.choice(closed)})
    opens = ["the liver", "Liver", "a hypodense lesion in the liver", "liver lesion", "kidneys", "kidney",
             "two cysts", "2 cysts", "none", "zero", "the left kidney, near the hilum", "left-kidney",
             "left - kidney", "1,000 ml", "1.5cm", "3.14159 mm", "it's a cyst", "its a cyst", "dont know",
             "", "   ", ".", "a.b.c.d", "the the the", "an adrenal mass (benign)", "Aorta; IVC", "running",
             "ran quickly", "organs", "organ", "abnormalities", "abnormal", "enlarged spleen",
             "splenomegaly", "lungs", "lung", "bigger", "big", "better", "good", "cars", "automobile",
             "geese", "goose", "studies", "study", "Γ lesion", "肝", ". . . " * 40 + "liver",
             "e.g. x.y. " * 20, "liver " * 80, LONG]
    for ans in ["liver", "left kidney", "2 cysts", "splenomegaly", "an automobile", "good", "lung lesions",
                "1,000 ml"]:
        for _ in range(30):
            out.append({"kind": "open_3d", "question": "What organ?", "answer": ans,
                        "response": rng.choice(opens)})
    for r in opens:
        out.append({"kind": "open_3d", "answer": "the liver", "response": r})
    for words in (400, 987, 988, 1500):
        out.append({"kind": "open_3d", "answer": "liver", "response": " ".join(["lesion"] * words)})
    for _ in range(150):
        kind = rng.choice(["open_3d", "closed_3d"])
        answer = rng.choice(["liver", "two cysts", "1,000 ml", "B", "c) axial"])
        out.append({"kind": kind, "answer": answer, "response": noise(rng)})
    return out


REPORT_GOLD = ("Findings: The heart size is normal. The lungs are clear. No pleural effusion or "
               "pneumothorax. Impression: No acute cardiopulmonary abnormality.")


def report_cases(rng):
    pieces = ["The heart size is normal.", "Heart size normal.", "The lungs are clear.", "Lungs clear",
              "No pleural effusion.", "There is a small left pleural effusion.", "No pneumothorax.",
              "Impression:", "Findings:", "No acute cardiopulmonary abnormality.", "No acute disease.",
              "Cardiomegaly is present.", "Mild degenerative changes of the spine.", "...", "", "\n",
              "The cardiomediastinal silhouette is within normal limits", "Lungs are hyperinflated.",
              "Opacities in the right lower lobe, concerning for pneumonia.", "Enlarged heart.",
              "Pulmonary vasculature is normal.", "Ösophagus unremarkable.", "心脏大小正常。"]
    out = []
    for _ in range(220):
        k = rng.randint(0, 8)
        out.append({"kind": "report", "answer": REPORT_GOLD,
                    "response": " ".join(rng.choice(pieces) for _ in range(k))})
    extra = ["", "Findings: Impression:", "Findings:", "...", ". . .", "no periods at all just words",
             LONG, LONG * 3, "Findings: " + LONG + " Impression: Normal.", "heart " * 400,
             "The heart is normal " * 120, REPORT_GOLD, REPORT_GOLD.lower(), "FINDINGS: THE HEART SIZE IS NORMAL."]
    for r in extra:
        out.append({"kind": "report", "answer": REPORT_GOLD, "response": r})
    for words in (400, 992, 993, 1024):  # 2048 characters hold 1024 one-letter words
        out.append({"kind": "report", "answer": REPORT_GOLD, "response": " ".join(["x"] * words)})
    for _ in range(100):
        out.append({"kind": "report", "answer": REPORT_GOLD, "response": noise(rng, 40)})
    golds = ["Normal chest.", "The heart is enlarged. There is mild pulmonary edema.", "..."]
    for g in golds:
        for _ in range(10):
            out.append({"kind": "report", "answer": g, "response": " ".join(rng.choice(pieces) for _ in range(3))})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meduni", required=True, help="the MedUniEval folder of an extracted checkout")
    ap.add_argument("--rouge", required=True, help="folder holding the pltrdy rouge package (rouge/)")
    ap.add_argument("--mathruler-grader", required=True, help="MathRuler's mathruler/grader.py")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    sys.path.insert(0, args.rouge)
    install_stubs(args.mathruler_grader)
    install_wordnet()
    import warnings
    warnings.simplefilter("ignore")
    u, e3d, slake, mmmu = load_meduni(args.meduni)
    e3d.tqdm = lambda x, **k: x
    import builtins
    quiet_print = builtins.print

    families = {
        "multi_choice": (mc_cases, lambda c: verdict_multi_choice(u, c)),
        "vqa": (vqa_cases, lambda c: verdict_vqa(u, c, slake)),
        "3d": (cases_3d, lambda c: verdict_3d(e3d, c)),
        "report": (report_cases, verdict_report),
        "mmmu": (mmmu_cases, lambda c: verdict_mmmu(u, mmmu, c, False)),
    }
    # MMMU's compat rule is degenerate for open questions; its fixed mode (MMMU's intended
    # parse) is checked against MMMU's own functions too.
    fixed_verdicts = {"mmmu": lambda c: verdict_mmmu(u, mmmu, c, True)}
    os.makedirs(args.out, exist_ok=True)
    for name, (make, verdict) in families.items():
        rng = random.Random(f"hulumed-eval-{name}")
        cases = make(rng)
        path = os.path.join(args.out, f"{name}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i, case in enumerate(cases):
                case = {"id": f"{name}-{i:04d}", **case}
                builtins.print = lambda *a, **k: None  # _evaluate_core prints warnings
                try:
                    case["expected"] = verdict(case)
                    if name in fixed_verdicts:
                        case["expected_fixed"] = fixed_verdicts[name](case)
                finally:
                    builtins.print = quiet_print
                f.write(json.dumps(case, ensure_ascii=False) + "\n")
        errors = sum(1 for line in open(path, encoding="utf-8") if '"error"' in line)
        print(f"{path}: {len(cases)} cases, {errors} where MedUniEval raises")


if __name__ == "__main__":
    main()
