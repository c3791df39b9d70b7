#!/usr/bin/env bash
# Training speed beside PyTorch, in one run: `hulumed train` steps (forward, backward, gradient
# clipping, AdamW) and the same steps of the reference twin in Debian's torch
# (bench/train_torch.py), on the same checkpoint, sample length, label count and threads.
# Shapes: the tiny preset and a Qwen2.5-0.5B decoder (`create-model --preset 0.5b`, f32,
# ~2 GB; hulumed then holds ~8 GB: weights, gradients and AdamW moments, torch likewise).
# Text only; vision tower and projector frozen in both.
#
#   bench/train_vs_torch.sh [-t THREADS] [-s STEPS] [-n CHARS] [-m MODELS_DIR] [-o RESULT.md] [SHAPE ...]
#
# SHAPE: tiny, 0.5b (default both). STEPS per engine (default 5; the first is warm-up and not
# counted, the figure is the median of the rest). CHARS: the answer's length (byte-level
# tokenizer: one token per byte; default 400, ~450 tokens per sample). Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2 steps=5 chars=400 models=build/bench-models out=""
while getopts "t:s:n:m:o:h" flag; do
  case "$flag" in
    t) threads="$OPTARG" ;; s) steps="$OPTARG" ;; n) chars="$OPTARG" ;; m) models="$OPTARG" ;; o) out="$OPTARG" ;;
    *) sed -n '2,14p' "$0"; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
shapes=("${@:-tiny 0.5b}")
read -r -a shapes <<< "${shapes[*]}"
py=/usr/bin/python3.11
"$py" -c "import torch" 2>/dev/null || { echo "needs Debian's python3-torch (scripts/setup.sh --reference)" >&2; exit 1; }
if [[ ! -x build/src/apps/hulumed ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target hulumed
fi
hulumed=$PWD/build/src/apps/hulumed
mkdir -p "$models"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One record: a short question and an answer of CHARS characters.
"$py" - "$chars" > "$work/data.jsonl" <<'PY'
import json, sys
words = "the lung fields are clear without effusion the heart size is normal there is mild opacity at the left base".split()
answer = ""
i = 0
while len(answer) < int(sys.argv[1]):
    answer += words[i % len(words)] + " "
    i += 1
print(json.dumps({"conversations": [{"from": "human", "value": "Summarise the chest CT."},
                                     {"from": "gpt", "value": answer[: int(sys.argv[1])].strip()}]}))
PY

rows=()
for shape in "${shapes[@]}"; do
  model="$models/$shape-f32"
  [[ -d "$model" ]] || "$hulumed" create-model --preset "$shape" --dtype f32 "$model" >&2
  cat > "$work/recipe-$shape.json" <<JSON
{"stages": [{"name": "bench", "start_checkpoint": "$(realpath "$model")", "output_dir": "$work/out-$shape",
  "steps": $steps, "global_batch_samples": 1, "micro_batch_samples": 1, "warmup_ratio": 0,
  "data": [{"path": "$work/data.jsonl"}],
  "modules": {"vision": "frozen", "projector": "frozen", "llm": {"lr": 1e-5}}}]}
JSON
  echo "== $shape: hulumed train, $steps steps, $threads threads" >&2
  "$hulumed" train --no-progress -t "$threads" "$work/recipe-$shape.json" >&2
  read -r tokens labels ours ours_first < <("$py" - "$work/out-$shape/train_log.jsonl" <<'PY'
import json, statistics, sys
steps = [e for e in map(json.loads, open(sys.argv[1])) if "loss" in e]
rates = [e["tokens_per_s"] for e in steps]
print(steps[0]["tokens"], steps[0]["label_tokens"], statistics.median(rates[1:] or rates), rates[0])
PY
)
  rm -rf "$work/out-$shape"
  echo "== $shape: torch, $steps steps, $threads threads, $tokens tokens, $labels labels" >&2
  torch_json=$("$py" bench/train_torch.py "$model" --tokens "$tokens" --labels "$labels" --steps "$steps" --threads "$threads")
  echo "$torch_json" >&2
  theirs=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["tokens_per_s"])' "$torch_json")
  version=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["engine"])' "$torch_json")
  params=$("$py" - "$model" <<'PY'
import json, struct, sys
with open(sys.argv[1] + "/model.safetensors", "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
total = llm = 0
for name, t in header.items():
    if name == "__metadata__": continue
    count = 1
    for d in t["shape"]: count *= d
    total += count
    if not name.startswith(("model.vision_encoder.", "model.mm_projector.")): llm += count
print("%.3gM (LLM %.3gM)" % (total / 1e6, llm / 1e6))
PY
)
  rows+=("$(printf '| %s | %s | %s | %s | %.1f | %.1f | %.2fx |' "$shape" "$params" "$tokens" "$labels" "$ours" "$theirs" \
    "$("$py" -c "print($ours / $theirs)")")")
done

table="| shape | parameters | tokens/sample | label tokens | hulumed tok/s | $version tok/s | hulumed / torch |
|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do table+=$'\n'"$r"; done
echo
echo "$table"
echo
echo "$threads threads, f32, $steps steps each (median of steps 2..$steps), forward + backward + clip + AdamW; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -n "$out" ]]; then
  { echo "$table"; echo; echo "$threads threads, f32, median of steps 2..$steps per engine, forward + backward + clip + AdamW."; } > "$out"
fi
