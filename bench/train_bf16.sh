#!/usr/bin/env bash
# Training speed with bf16 compute beside f32, in one run: the same `hulumed train` steps
# (forward, backward, clipping, AdamW; every tower trained) on the same checkpoint and sample
# with "compute_dtype": "f32" and "bf16", alternating, ROUNDS times each per shape.
#
#   bench/train_bf16.sh [-t THREADS] [-s STEPS] [-r ROUNDS] [-n CHARS] [SHAPE ...]
#
# SHAPE: tiny (`create-model --preset tiny`) or demo (the shipped models/hulumed-demo, f16
# weights read as f32 masters); default both. STEPS per run (default 6; the first is warm-up).
# The figure is the median over every round's other steps. CHARS: the answer's length (default
# 1200). Prints a markdown table of tokens/s.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2 steps=6 rounds=3 chars=1200
while getopts "t:s:r:n:h" flag; do
  case "$flag" in
    t) threads="$OPTARG" ;; s) steps="$OPTARG" ;; r) rounds="$OPTARG" ;; n) chars="$OPTARG" ;;
    *) sed -n '2,12p' "$0"; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
read -r -a shapes <<< "${*:-tiny demo}"
hulumed=$PWD/build/src/apps/hulumed
[[ -x "$hulumed" ]] || { echo "build hulumed first (ninja -C build hulumed)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$chars" > "$work/data.jsonl" <<'PY'
import json, sys
words = "the lung fields are clear without effusion the heart size is normal there is mild opacity at the left base".split()
answer, i = "", 0
while len(answer) < int(sys.argv[1]):
    answer += words[i % len(words)] + " "
    i += 1
print(json.dumps({"conversations": [{"from": "human", "value": "Summarise the chest CT."},
                                     {"from": "gpt", "value": answer[: int(sys.argv[1])].strip()}]}))
PY

echo "| shape | tokens/sample | f32 tok/s | bf16 tok/s | bf16 / f32 |"
echo "|---|---|---|---|---|"
for shape in "${shapes[@]}"; do
  case "$shape" in
    tiny) model="$work/tiny"; "$hulumed" create-model --preset tiny "$model" 2>/dev/null ;;
    demo) model=$PWD/models/hulumed-demo ;;
    *) echo "unknown shape $shape" >&2; exit 1 ;;
  esac
  : > "$work/rates-f32"
  : > "$work/rates-bf16"
  for ((round = 0; round < rounds; ++round)); do
    for dtype in f32 bf16; do
      cat > "$work/recipe.json" <<JSON
{"stages": [{"name": "bench", "start_checkpoint": "$model", "output_dir": "$work/out-$dtype",
  "steps": $steps, "global_batch_samples": 1, "micro_batch_samples": 1, "warmup_ratio": 0,
  "compute_dtype": "$dtype", "data": [{"path": "$work/data.jsonl"}],
  "modules": {"vision": {"lr": 1e-5}, "projector": {"lr": 1e-5}, "llm": {"lr": 1e-5}}}]}
JSON
      "$hulumed" train --no-progress -t "$threads" "$work/recipe.json" >&2
      python3 - "$work/out-$dtype/train_log.jsonl" >> "$work/rates-$dtype" <<'PY'
import json, sys
steps = [e for e in map(json.loads, open(sys.argv[1])) if "loss" in e]
for e in steps[1:]:
    print(e["tokens"], e["tokens_per_s"])
PY
      rm -rf "$work/out-$dtype"
    done
  done
  declare -A rate=()
  for dtype in f32 bf16; do
    read -r tokens rate["$dtype"] < <(python3 -c '
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print(rows[0][0], statistics.median(float(r[1]) for r in rows))' "$work/rates-$dtype")
  done
  python3 -c 'import sys; t, a, b = sys.argv[2], float(sys.argv[3]), float(sys.argv[4]); print(f"| {sys.argv[1]} | {t} | {a:.1f} | {b:.1f} | {b / a:.2f}x |")' \
    "$shape" "$tokens" "${rate[f32]}" "${rate[bf16]}"
done
