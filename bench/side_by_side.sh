#!/usr/bin/env bash
# Speed beside llama.cpp, measured the only way this VM allows: in one run, interleaved,
# each measurement started only when the machine is idle, with the CPU other processes took
# recorded beside it. Writes bench/results/side-by-side-<date>.md (the README's speed table).
#
#   bench/side_by_side.sh [-r ROUNDS] [-t THREADS] [-m MODELS_DIR] [-p PRESET] [TYPE ...]   (TYPE: q4_0 q8_0 q4_k)
#
# Installs the pinned llama.cpp peer (node-llama-cpp, bench/peer/package-lock.json), builds
# hulumed if needed, and makes the Hulu-Med-7B-shape random-weight checkpoints it times when
# MODELS_DIR (default build/bench-models) lacks them: one bf16 checkpoint (~15 GB) and a
# `hulumed quantize` text GGUF per TYPE, which llama.cpp loads as a standard qwen2 file.
# PRESET (default 7b) is a `create-model` preset; `-p tiny` checks the script in seconds.
# Each round runs, per TYPE, the peer and then `hulumed bench`, each repeating prefill (pp512)
# and decode (tg128) three times.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 threads=2 models=build/bench-models preset=7b
while getopts "r:t:m:p:h" flag; do
  case "$flag" in
    r) rounds="$OPTARG" ;; t) threads="$OPTARG" ;; m) models="$OPTARG" ;; p) preset="$OPTARG" ;;
    *) sed -n '2,14p' "$0"; exit 1 ;;
  esac
done
shift $((OPTIND - 1))
types=("${@:-q4_0 q8_0 q4_k}")
read -r -a types <<< "${types[*]}"

scripts/setup.sh >/dev/null
(cd bench/peer && { npm ls --silent >/dev/null 2>&1 || npm ci --silent --no-audit --no-fund; })
if [[ ! -x build/src/apps/hulumed ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target hulumed
fi
hulumed=build/src/apps/hulumed

mkdir -p "$models"
for type in "${types[@]}"; do
  [[ -d "$models/$preset-$type" ]] && continue
  [[ -d "$models/$preset" ]] || "$hulumed" create-model --preset "$preset" "$models/$preset"
  "$hulumed" quantize "$models/$preset" "$models/$preset-$type" --type "$type"
done

raw=$(mktemp -d)
stamp=$(date -u +%Y-%m-%dT%H%MZ)
# /proc/stat jiffies: busy and idle (idle + iowait) over all CPUs.
jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat; }
busy_percent() {  # over $1 seconds
  local b0 i0 b1 i1
  read -r b0 i0 < <(jiffies); sleep "$1"; read -r b1 i1 < <(jiffies)
  echo $(( 100 * (b1 - b0) / (b1 - b0 + i1 - i0 + 1) ))
}
wait_until_idle() {  # three quiet 5 s windows in a row, or give up after 10 minutes and say so
  local quiet=0 waited=0 busy
  while (( quiet < 3 )); do
    busy=$(busy_percent 5); waited=$((waited + 5))
    if (( busy < 10 )); then quiet=$((quiet + 1)); else quiet=0; fi
    if (( waited >= 600 )); then echo "busy=${busy}% after ${waited}s wait (ran anyway)"; return; fi
  done
  echo "idle after ${waited}s"
}
measure() {  # $1: raw file; rest: command. Appends the command's output and the foreign CPU.
  local out="$1" b0 i0 b1 i1 t0 t1 self
  shift
  echo "# $(wait_until_idle)" >> "$out"
  read -r b0 i0 < <(jiffies); t0=$(date +%s.%N)
  /usr/bin/time -f "# self_cpu_s=%e %U %S" -o "$out.time" "$@" >> "$out" 2>&1 || echo "# FAILED: $*" >> "$out"
  t1=$(date +%s.%N); read -r b1 i1 < <(jiffies)
  self=$(awk '{print $3 + $4}' "$out.time")
  awk -v busy=$(( b1 - b0 )) -v hz="$(getconf CLK_TCK)" -v self="$self" -v t0="$t0" -v t1="$t1" \
    'BEGIN{printf "# foreign_cpu_percent=%.0f wall_s=%.1f\n", 100 * (busy / hz - self) / (t1 - t0), t1 - t0}' >> "$out"
  rm -f "$out.time"
}

for round in $(seq 1 "$rounds"); do
  for type in "${types[@]}"; do
    echo "round $round/$rounds, $type: llama.cpp, then hulumed" >&2
    measure "$raw/$type.peer" node bench/peer/llama_peer.mjs "$models/$preset-$type" --threads "$threads" --rounds 3
    measure "$raw/$type.hulumed" "$hulumed" bench -m "$models/$preset-$type" --threads "$threads" --repeat 3 --video-frames 0
  done
done

mkdir -p bench/results
report="bench/results/side-by-side-$preset-$stamp.md"
node bench/peer/summarize.mjs "$raw" "$rounds" "$threads" "$preset" "${types[@]}" > "$report"
cat "$report"
echo "raw outputs: $raw" >&2
