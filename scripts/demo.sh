#!/usr/bin/env bash
# README command (a): install dependencies, build, and ask the shipped demo model about a
# shipped phantom study. The demo model (models/hulumed-demo, ~5M parameters, trained here by
# scripts/train-demo.sh) knows only the synthetic phantom world of `hulumed data phantoms`;
# the study in examples/phantoms-9100 was generated with a seed training never used.
# Pass a checkpoint directory to ask that model instead: scripts/demo.sh /path/to/Hulu-Med-7B
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target hulumed
model=()
[[ $# -gt 0 ]] && model=(-m "$1")
study=examples/phantoms-9100/study_0001
question="Which modality was used?"
echo "question: $question  (about $study/mr.nii.gz, an MR phantom volume)"
build/src/apps/hulumed run "${model[@]}" --volume "$study/mr.nii.gz" --slices 32 -p "$question" -n 16 --temp 0
echo "ground truth (examples/phantoms-9100/studies.jsonl): $(jq -r 'select(.id == "study_0001") | .modality' examples/phantoms-9100/studies.jsonl)"
