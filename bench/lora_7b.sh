#!/usr/bin/env bash
# One LoRA training step on the Hulu-Med-7B shape with a quantized base (issue 11's LoRA
# benchmark): peak RSS and training tokens/s, forward and backward, all seven decoder
# projections adapted (rank 16), activation recomputation on. Writes
# bench/results/lora-<preset>-<type>-<date>.md.
#
#   bench/lora_7b.sh [-m MODELS_DIR] [-p PRESET] [-q TYPE] [-n TOKENS] [-s STEPS] [-t THREADS]
#
# Makes MODELS_DIR/PRESET (random bf16, ~15 GB for 7b) and MODELS_DIR/PRESET-TYPE (`hulumed
# quantize`) when missing: the same folders bench/side_by_side.sh uses (default build/bench-models,
# 7b, q4_0). The sample is one conversation whose answer makes it about TOKENS tokens long
# (default 2048); STEPS optimizer steps of one sample each (default 1). `-p tiny -n 64` checks
# the script in seconds. On a 2-core VM one 7b step of 2048 tokens takes tens of minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
models=build/bench-models preset=7b type=q4_0 tokens=2048 steps=1 threads=2
while getopts "m:p:q:n:s:t:h" flag; do
  case "$flag" in
    m) models="$OPTARG" ;; p) preset="$OPTARG" ;; q) type="$OPTARG" ;; n) tokens="$OPTARG" ;;
    s) steps="$OPTARG" ;; t) threads="$OPTARG" ;; *) sed -n '2,14p' "$0"; exit 1 ;;
  esac
done
hulumed=build/src/apps/hulumed
[[ -x $hulumed ]] || { echo "build hulumed first (ninja -C build hulumed)"; exit 1; }
base=$(realpath -m "$models/$preset-$type")
mkdir -p "$models"
if [[ ! -d $base ]]; then
  [[ -d "$models/$preset" ]] || "$hulumed" create-model --preset "$preset" "$models/$preset"
  "$hulumed" quantize "$models/$preset" "$base" --type "$type"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An answer of repeated phrases, sized by the phrase's token count under the model's tokenizer.
phrase="The chest radiograph shows clear lungs and a normal heart size. "
per_phrase=$("$hulumed" tokenize -m "$base" --text "$phrase" | wc -w)
repeats=$(( (tokens - 30) / per_phrase + 1 ))
answer=$(for ((i = 0; i < repeats; ++i)); do printf '%s' "$phrase"; done)
printf '{"conversations": [{"from": "human", "value": "Describe the image findings."}, {"from": "gpt", "value": "%s"}]}\n' \
  "$answer" > "$work/sample.jsonl"
cat > "$work/recipe.json" <<JSON
{"name": "lora-bench", "start_checkpoint": "$base", "output_dir": "$work/out",
 "data": [{"path": "$work/sample.jsonl"}], "modules": {"llm": {"lr": 1e-4}, "vision": "frozen", "projector": "frozen"},
 "steps": $steps, "global_batch_samples": 1, "warmup_ratio": 0, "max_length": 100000,
 "lora": {"rank": 16, "alpha": 32, "dropout": 0.05, "recompute_activations": true,
          "targets": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}}
JSON

/usr/bin/time -v "$hulumed" train "$work/recipe.json" --no-progress -t "$threads" 2> "$work/time.txt" >/dev/null || {
  cat "$work/time.txt"; exit 1; }
rss_kb=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$work/time.txt")
read -r seq_tokens tps loss < <(python3 -c '
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if "tokens_per_s" in l]
print(steps[-1]["tokens"], sum(s["tokens_per_s"] for s in steps) / len(steps), steps[-1]["loss"])' "$work/out/train_log.jsonl")

stamp=$(date -u +%Y-%m-%d)
out="bench/results/lora-$preset-$type-$stamp.md"
cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)
{
  echo "# LoRA step, $preset shape, $type base ($stamp)"
  echo
  echo "\`bench/lora_7b.sh -p $preset -q $type -n $tokens -s $steps -t $threads\` on $cpu, $(nproc) cores."
  echo "Rank 16 on q/k/v/o/gate/up/down of every decoder layer, activation recomputation on."
  echo
  echo "| base | sample tokens | steps | tokens/s (forward + backward) | peak RSS | wall |"
  echo "|---|---|---|---|---|---|"
  printf '| %s %s | %s | %s | %.2f | %.2f GB | %s |\n' "$preset" "$type" "$seq_tokens" "$steps" "$tps" \
    "$(echo "$rss_kb / 1048576" | bc -l)" "$wall"
} | tee "$out"
