#!/usr/bin/env bash
# `make sanitize`: tools/sanitize.sh BUILD-DIR [replay]. Everything below runs on the g++ AddressSanitizer + UBSan build
# (build-sanitize/, made by the Makefile), and any sanitizer report fails it:
#   1. the unit tests and `murine verify tests/reference` (tools/run_tests.sh);
#   2. a tiny DCGAN and DDIM train, resume and sample, and a tiny Fashion-MNIST classifier train and
#      resume, through the CLI;
#   3. every input of the committed fuzz corpus, replayed once through its harness (fuzz/README.md).
# With `replay` (make sanitize-replay, CI) only step 3 runs.
set -uo pipefail
build=${1:-build-sanitize}
only=${2:-}
murine=$build/murine
# halt_on_error: the first report ends the process with a non-zero exit; leaks count as errors.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
tmp=$(mktemp -d)  # kept when something fails, for its logs
failed=()
step() {  # step NAME COMMAND...: runs it, logs to $tmp/NAME.log, records a failure
  local name=$1; shift
  if "$@" >"$tmp/$name.log" 2>&1; then
    echo "sanitize: $name ok"
  else
    echo "sanitize: $name FAILED:"; grep -E 'ERROR|SUMMARY|runtime error|murine: error' "$tmp/$name.log" | head -n 8
    tail -n 5 "$tmp/$name.log"; failed+=("$name")
  fi
}

if [ "$only" != replay ]; then
echo "== sanitize: unit tests and reference cases"
tools/run_tests.sh "$build" >"$tmp/tests.log" 2>&1 && echo "sanitize: tests ok: $(tail -n 1 "$tmp/tests.log")" || {
  echo "sanitize: tests FAILED:"; grep -E '^\[  FAILED|ERROR: AddressSanitizer|runtime error|SUMMARY' "$tmp/tests.log" | head -n 20
  tail -n 3 "$tmp/tests.log"; failed+=(tests); }

echo "== sanitize: train, resume, sample"
tiny_dcgan=(--data synthetic-cats --synthetic-count 32 --image-size 32 --ngf 8 --ndf 8 --latent 16 --batch 8)
step dcgan-train "$murine" train dcgan "${tiny_dcgan[@]}" --steps 4 --sample-every 2 --out "$tmp/dcgan"
step dcgan-resume "$murine" train dcgan --resume "$tmp/dcgan" --steps 6
step dcgan-sample "$murine" sample --checkpoint "$tmp/dcgan" --n 4 --out "$tmp/dcgan.png"
tiny_ddim=(--data synthetic-cats --synthetic-count 16 --image-size 16 --widths 8,16 --block-depth 1 --sampling-steps 2 --batch 4)
step ddim-train "$murine" train ddim "${tiny_ddim[@]}" --steps 2 --sample-every 2 --out "$tmp/ddim"
step ddim-resume "$murine" train ddim --resume "$tmp/ddim" --steps 3
step ddim-sample "$murine" sample --checkpoint "$tmp/ddim" --n 2 --steps 2 --out-dir "$tmp/ddim-samples"
if [ -d /usr/share/datasets/fashion-mnist ]; then
  tiny_mlp=(--model mlp --layer sz --data fashion-mnist --train-limit 256 --test-limit 128 --batch 64 --hidden 32)
  step classifier-train "$murine" train classifier "${tiny_mlp[@]}" --epochs 1 --out "$tmp/mlp"
  step classifier-resume "$murine" train classifier --resume "$tmp/mlp" --epochs 2
else
  echo "sanitize: classifier skipped (no /usr/share/datasets/fashion-mnist; make deps installs it)"
fi

fi

echo "== sanitize: fuzz corpus replay"
for bin in "$build"/replay/replay_*; do
  h=${bin##*/replay_}
  step "replay-$h" "$bin" "fuzz/corpus/$h"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitize: FAILED: ${failed[*]} (logs in $tmp)"
  exit 1
fi
rm -rf "$tmp"
echo "sanitize: clean"
