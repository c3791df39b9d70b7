#!/usr/bin/env bash
# Evaluates a checkpoint on a phantom world it has never seen and on the held-out real scans,
# in process, and writes the report page and the table for the README / model card.
#
#   scripts/eval-demo.sh MODEL_DIR [OUT]        (OUT defaults to build/eval-demo)
#
# Seeds: training sets are generated with seeds below 1000; evaluation uses 9001 and up
# (EVAL_SEED, default 9001), so no evaluated study was seen in training. EVAL_COUNT studies
# (default 70: ten of each of the seven modalities). EVAL_MAX_NEW_TOKENS caps each reply
# (default 128: a full phantom report). A rerun asks only what is not yet answered.
#
# Writes OUT/data/phantoms (the set), OUT/results/{phantoms,real-scans}/ (responses, verdicts,
# metrics.json), OUT/results/report.{md,html} and OUT/results/families.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: scripts/eval-demo.sh MODEL_DIR [OUT]" >&2
  exit 2
fi
model="$1"
out="${2:-build/eval-demo}"
seed="${EVAL_SEED:-9001}"
count="${EVAL_COUNT:-70}"
max_new_tokens="${EVAL_MAX_NEW_TOKENS:-128}"
hulumed="${HULUMED:-build/src/apps/hulumed}"
if (( seed < 9001 )); then
  echo "EVAL_SEED=$seed: evaluation seeds are 9001 and up (training uses seeds below 1000)" >&2
  exit 2
fi
[[ -f "$model/config.json" ]] || { echo "$model: no config.json (not a checkpoint folder)" >&2; exit 2; }
[[ -x "$hulumed" ]] || cmake --build build --target hulumed

# A set made with other arguments is made again, and its old answers go with it.
set_args="seed=$seed count=$count"
if [[ "$(cat "$out/data/phantoms.args" 2>/dev/null)" != "$set_args" ]]; then
  rm -rf "$out/data/phantoms" "$out/results/phantoms"
  "$hulumed" data phantoms --seed "$seed" --count "$count" --out "$out/data/phantoms"
  echo "$set_args" > "$out/data/phantoms.args"
fi

# Answers are kept only for the weights that gave them: other weights start afresh.
weights="$(find "$model" -maxdepth 1 \( -name '*.safetensors' -o -name '*.gguf' \) -exec cksum {} + | sort)"
if [[ "$(cat "$out/results/weights.cksum" 2>/dev/null)" != "$weights" ]]; then
  rm -rf "$out/results"
  mkdir -p "$out/results"
  echo "$weights" > "$out/results/weights.cksum"
fi

"$hulumed" eval run -b phantoms,real-scans --data "$out/data" -m "$model" -o "$out/results" -n "$max_new_tokens"

# The table to paste: one row per family with its sample count, accuracy and chance levels.
python3 - "$out/results" "$set_args" <<'EOF'
import json, os, sys
results, set_args = sys.argv[1], sys.argv[2]
pct = lambda v: "–" if v is None else f"{100 * v:.1f}"
lines = ["| Set | Family | n | Accuracy (%) | Chance, majority (%) | Chance, uniform (%) |",
         "|---|---|---:|---:|---:|---:|"]
notes = []
for bench, label in (("phantoms", f"phantoms ({set_args})"), ("real-scans", "real scans (pydicom)")):
    path = os.path.join(results, bench, "metrics.json")
    if not os.path.exists(path):
        continue
    metrics = json.load(open(path))
    for family, f in metrics["by_family"].items():
        if "acc" not in f:
            notes.append(f"{label} {family}: {f['total']} samples, ROUGE-L {pct(f.get('rougeL'))}, "
                         f"BLEU-1 {pct(f.get('bleu1'))}, METEOR {pct(f.get('meteor'))} (%)")
            continue
        lines.append(f"| {label} | {family} | {f['total']} | {pct(f['acc'])} | {pct(f['chance_majority'])} | "
                     f"{pct(f['chance_uniform'])} |")
    model = json.loads(open(os.path.join(results, bench, "responses.jsonl")).readline())["model"]
text = "\n".join(lines) + "\n\n" + "".join(f"- {n}\n" for n in notes)
text += (f"\nModel: {model}. Answers matched to the gold (option letter, yes/no, number, normalized text); "
         "chance: majority = always the most common answer of each question form in the family, "
         "uniform = guessing among the form's distinct answers.\n")
open(os.path.join(results, "families.md"), "w").write(text)
print(text)
EOF
echo "report: $out/results/report.html, table: $out/results/families.md"
