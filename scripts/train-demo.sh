#!/usr/bin/env bash
# Trains the demo model shipped in models/hulumed-demo, from nothing, on this machine:
#   1. a synthetic medical world: `data phantoms --seed 1` (training seeds stay below 1000;
#      evaluation uses 9001 and up, so no evaluated study was ever seen in training);
#   2. a small byte-level BPE tokenizer learned from that world's text;
#   3. a random Hulu-Med-shaped model (`create-model --preset demo`, ~6M parameters);
#   4. the curriculum of recipes/demo.json: a short language stage, then Hulu-Med's three stages;
#   5. the last checkpoint exported as f16 with its model card, then evaluated on fresh phantoms.
# Seeded throughout: the same machine and thread count give the same weights. Interrupted, it
# resumes where it stopped. Not run by CI (about 40 minutes on 2 cores).
#   scripts/train-demo.sh [STUDIES]     (default 1400 studies, ~16k samples)
set -euo pipefail
cd "$(dirname "$0")/.."
studies="${1:-1400}"
work=build/demo-train
out=models/hulumed-demo

scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target hulumed
hulumed=build/src/apps/hulumed

if [[ ! -f "$work/phantoms/text.jsonl" ]]; then
  "$hulumed" data phantoms --seed 1 --count "$studies" --out "$work/phantoms"
  # The language stage's data: the world's text-only questions.
  jq -c 'select(.family == "text_only")' "$work/phantoms/samples.jsonl" > "$work/phantoms/text.jsonl.tmp"
  mv "$work/phantoms/text.jsonl.tmp" "$work/phantoms/text.jsonl"
fi
"$hulumed" data validate "$work/phantoms/samples.jsonl" > "$work/validate.txt"
[[ -f "$work/tokenizer/tokenizer.json" ]] ||
  "$hulumed" data tokenizer --from "$work/phantoms/samples.jsonl" --vocab 4096 --out "$work/tokenizer"
[[ -f "$work/init/config.json" ]] ||
  "$hulumed" create-model --preset demo --tokenizer "$work/tokenizer" --seed 1 --out "$work/init"

"$hulumed" train recipes/demo.json --resume
last=$(ls -d "$work"/runs/stage3b-instruction-tuning-epoch2/checkpoint-* | sort -t- -k2 -n | tail -1)
"$hulumed" train export "$last" --dtype f16 --out "$out" --file docs/demo-model-card.md
mv "$out/demo-model-card.md" "$out/README.md"
# `run` prints this on every use of the model.
scope="knows only the synthetic phantom world it was trained on (hulumed data phantoms), nothing of real medicine or patients; see its README.md"
jq --arg scope "$scope" '. + {hulumed_scope: $scope}' "$out/config.json" > "$out/config.json.tmp"
mv "$out/config.json.tmp" "$out/config.json"
for stage in "$work"/runs/*/; do cp "$stage/loss_curve.svg" "$out/loss-$(basename "$stage").svg"; done
scripts/eval-demo.sh "$out" "$work/eval"
echo "demo model: $out ($(du -sh "$out" | cut -f1)); evaluation: $work/eval"
