#!/usr/bin/env bash
# README command (a): install dependencies, build, and run hulumed on the default model.
# Until trained weights are at hand, the default is a tiny random-weight checkpoint the tool
# creates itself; it is labelled UNTRAINED wherever it is shown, and its answer is noise.
# Pass a real checkpoint directory to use that instead: scripts/demo.sh /path/to/Hulu-Med-7B
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target hulumed
model="${1:-build/demo-model}"
if [[ $# -eq 0 && ! -f "$model/config.json" ]]; then
  build/src/apps/hulumed create-model --preset tiny "$model"
fi
build/src/apps/hulumed run -m "$model" -p "What are the typical CT findings of a pulmonary embolism?" -n 48 --verbose
