#!/usr/bin/env bash
# The safety nets DEVELOPERS.md describes, sized for CI (scripts/test.sh calls this):
#  1. one clang build with ASan + UBSan (UB aborts) and libFuzzer instrumentation, in build-fuzz/;
#  2. the unit tests of the input parsers (core, io, text, media, server request parsing) in it;
#  3. every fuzz target for FUZZ_SECONDS (default 20) over its seed corpus, two at a time.
# New inputs a fuzzer finds go to a scratch directory, never into the repository; a crash
# leaves its input in build-fuzz/fuzz-findings/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-20}"
jobs="$(nproc)"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
# -O1 as ASan recommends; it also compiles the Highway kernels (once per SIMD target) far
# faster than Release's -O3. Without NDEBUG, so asserts in dependencies' headers stay on.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
  -DCMAKE_C_FLAGS_RELEASE=-O1 -DHULUMED_FUZZ=ON -DHULUMED_SANITIZE=ON -DHULUMED_BENCH=OFF "${launcher[@]}" >/dev/null

# FUZZ_TARGETS / SAFETY_TESTS pick a subset, e.g. FUZZ_TARGETS=dicom_fuzz FUZZ_SECONDS=600 SAFETY_TESTS=core_test.
fuzzers=(${FUZZ_TARGETS:-image_fuzz nifti_fuzz dicom_fuzz video_fuzz safetensors_fuzz gguf_fuzz config_fuzz tokenizer_fuzz
         request_fuzz})
tests=(${SAFETY_TESTS:-core_test io_test text_test media_volume_test media_image_file_test media_image_folder_test
       media_nifti_test media_resize_test media_preprocess_test media_dicom_test media_video_test media_multipart_test
       server_test})
cmake --build build-fuzz -j"$jobs" --target "${fuzzers[@]}" "${tests[@]}"
echo "safety nets: build done at ${SECONDS} s"

# Sanitizer reports end the run; leak checks stay on.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
binary() { find build-fuzz/src build-fuzz/fuzz -name "$1" -type f -perm -u+x | head -n1; }

echo "safety nets: ASan+UBSan unit tests"
printf '%s\n' "${tests[@]}" | xargs -P"$jobs" -I{} bash -c '
  b=$(find build-fuzz/src -name {} -type f -perm -u+x | head -n1)
  # The HTTP tests generate text with the tiny model: slow under ASan and no parser of their own.
  filter=$([[ {} == server_test ]] && echo "-HttpServer.*" || echo "*")
  "$b" --gtest_brief=1 --gtest_filter="$filter" >build-fuzz/{}.log 2>&1 || { cat build-fuzz/{}.log; echo "FAILED: {}"; exit 255; }
  echo "  {} ok"'

echo "safety nets: unit tests done at ${SECONDS} s"

# Seeds: the fixtures each parser already has, plus fuzz/corpus/ where testdata has none.
declare -A seeds=(
  [image_fuzz]="testdata/media/images"
  [nifti_fuzz]="testdata/media/nifti"
  [dicom_fuzz]="testdata/dicom/fuzz testdata/dicom/series testdata/dicom/monochrome1.dcm testdata/dicom/monochrome2.dcm"
  [video_fuzz]="testdata/video"
  [safetensors_fuzz]="testdata/models/tiny-qwen2/model.safetensors testdata/models/tiny-qwen3/model-00002-of-00002.safetensors"
  [gguf_fuzz]="fuzz/corpus/gguf_fuzz"
  [config_fuzz]="testdata/models/tiny-qwen2/config.json testdata/models/tiny-qwen3/config.json
                 testdata/models/tiny-qwen2/generation_config.json testdata/media/preprocessor_config.json"
  [tokenizer_fuzz]="testdata/text/chat_templates testdata/text/extra_added_tokens.json"
  [request_fuzz]="fuzz/corpus/request_fuzz"
)
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-fuzz/fuzz-findings
echo "safety nets: each fuzz target for ${seconds} s"
for f in "${fuzzers[@]}"; do
  mkdir -p "$scratch/$f/seeds" "$scratch/$f/new"
  n=0
  for s in $(find ${seeds[$f]} -maxdepth 1 -type f); do cp "$s" "$scratch/$f/seeds/$((n++))-$(basename "$s")"; done
  echo "$f $(binary "$f")"
done | xargs -P"$jobs" -L1 bash -c '
  f=$0 b=$1 dir='"$scratch"'/$0
  "$b" -max_total_time='"$seconds"' -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/fuzz-findings/$f- "$dir/new" "$dir/seeds" >"$dir/log" 2>&1 \
    || { tail -n 60 "$dir/log"; echo "FAILED: $f (input in build-fuzz/fuzz-findings/)"; exit 255; }
  echo "  $f ok: $(grep -m1 -o "stat::number_of_executed_units: *[0-9]*" "$dir/log" | grep -o "[0-9]*$") runs"'
echo "safety nets: fuzzing done at ${SECONDS} s"
