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
# metrics.json), OUT/results/report.{md,html}.
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

# report.md holds the per-family tables (accuracy beside both chance levels) to paste.
sed -n '/^## phantoms/,$p' "$out/results/report.md"
echo "report: $out/results/report.html and report.md"
