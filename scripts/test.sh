#!/usr/bin/env bash
# README command (b): install dependencies, build, run the whole test suite, then the
# sanitizer and fuzzing safety nets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
scripts/safety_nets.sh
