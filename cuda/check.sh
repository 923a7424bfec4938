#!/usr/bin/env bash
# The GPU check: builds murine with the CUDA backend and runs the whole test suite, on a lent GPU
# machine (x86-64, nvcc, no network, maybe no OpenBLAS/GoogleTest/CLI11/json). The Debian
# packages come along as .deb files: run cuda/fetch_debs.sh here first, then on the device
#     run  command: bash cuda/check.sh      carry: [".device/debs"]
# It unpacks them into .device/root, points the compiler, linker and loader there, builds with
# `make CUDA=1 -j16` and runs the suite (about 2 minutes from a cold build). GTEST_FILTER, if set,
# narrows the run (e.g. GTEST_FILTER='Cuda*'). Then it times `murine bench --device cuda` next to
# bench/torch_anchor.py (PyTorch on the device machine) for the DCGAN at batch 128 and 32 and the DDIM
# at batch 64, and prints one table (model, batch, murine ms/step, PyTorch ms/step, ratio); SKIP_BENCH=1
# leaves that out. The log is saved to $OUT/check.log when $OUT is set.
# BUILD_DIR (default build) puts the build elsewhere, for trying this script beside another build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
root=$repo/.device/root
log=${OUT:-/tmp}/check.log
build_dir=${BUILD_DIR:-build}
started=$SECONDS

# nvcc from PATH, else the usual place; CUDA_HOME (cuBLAS and cudart for the link) from where it is.
command -v nvcc >/dev/null || export PATH=/usr/local/cuda/bin:$PATH
cuda_home=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")

echo "== machine"
uname -m
grep -h PRETTY_NAME /etc/os-release 2>/dev/null || true
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: no answer (no GPU or no driver here)"
nvcc --version | tail -n 2
echo "CUDA_HOME=$cuda_home"
g++ --version | head -n 1

echo "== unpack .device/debs into .device/root"
shopt -s nullglob
debs=("$repo"/.device/debs/*.deb)
if [ ${#debs[@]} -eq 0 ]; then
  echo "check.sh: no .deb files in .device/debs: run cuda/fetch_debs.sh here and carry .device/debs" >&2
  exit 2
fi
rm -rf "$root"
mkdir -p "$root"
for deb in "${debs[@]}"; do
  if command -v dpkg-deb >/dev/null; then
    dpkg-deb -x "$deb" "$root"
  else  # a .deb is an ar archive holding data.tar.*
    tmp=$(mktemp -d)
    (cd "$tmp" && ar x "$deb" && tar -xf data.tar.* -C "$root")
    rm -rf "$tmp"
  fi
  echo "  $(basename "$deb")"
done

# Debian points cblas.h and libopenblas.so at the OpenMP build through update-alternatives,
# which an unpacked .deb does not run; the openblas-openmp folders are named directly instead.
lib=$root/usr/lib/x86_64-linux-gnu
export CPATH=$root/usr/include:$root/usr/include/x86_64-linux-gnu/openblas-openmp${CPATH:+:$CPATH}
export LIBRARY_PATH=$lib/openblas-openmp:$lib${LIBRARY_PATH:+:$LIBRARY_PATH}
export LD_LIBRARY_PATH=$lib/openblas-openmp:$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if ! command -v make >/dev/null; then
  echo "  no make on this machine: using the unpacked one"
  export PATH=$root/usr/bin:$PATH
fi
for needed in "$root/usr/include/gtest/gtest.h" "$root/usr/include/CLI/CLI.hpp" \
              "$root/usr/include/nlohmann/json.hpp" "$root/usr/include/x86_64-linux-gnu/openblas-openmp/cblas.h" \
              "$root/usr/include/stb/stb_image_write.h" \
              "$lib/libgtest.a" "$lib/openblas-openmp/libopenblas.so" "$lib/libgfortran.so.5"; do
  [ -e "$needed" ] || { echo "check.sh: missing after unpacking: $needed" >&2; exit 2; }
done

echo "== build and test (make CUDA=1 -j16 test, in $build_dir); log: $log"
# -o deps: skip `make deps` (tools/install_deps.sh), which would try apt-get with no network.
set +e
make -o deps CUDA=1 CUDA_HOME="$cuda_home" -j16 BUILD="$build_dir" test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo "== summary"
grep -E '^\[ measured \]' "$log" || true
grep -E '^\[  (FAILED  |SKIPPED ) \] Cuda' "$log" | sort -u || true
echo "skip reasons in tests/test_cuda_ops.cpp (count, reason):"
grep -A1 -E 'test_cuda_ops\.cpp:[0-9]+: Skipped$' "$log" | grep -vE 'Skipped$|^--$' | sort | uniq -c || true
grep -E '^-?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || echo "no test summary line: the build failed"
echo "make exit status: $status; $((SECONDS - started)) s"

# murine bench next to bench/torch_anchor.py (the issue's targets: DCGAN batch 128 and 32, DDIM batch 64),
# one table. SKIP_BENCH=1 leaves it out; BENCH_DEVICE=cpu BENCH_QUICK=1 tries the table logic on a CPU.
if [ "${SKIP_BENCH:-0}" != 1 ] && [ -x "$build_dir/murine" ]; then
  device=${BENCH_DEVICE:-cuda}
  if [ "${BENCH_QUICK:-0}" = 1 ]; then
    runs=("dcgan_torch --batch 8 --image-size 32 --ngf 8 --ndf 8" "ddim --batch 4 --image-size 16 --widths 8,16,16,24")
    steps="--steps 2 --warmup 1"
  else
    runs=("dcgan_torch --batch 128" "dcgan_torch --batch 32" "ddim --batch 64")
    steps="--steps 20 --warmup 5"
  fi
  echo "== bench on $device (murine: TF32 off; PyTorch: eager, tf32 as printed)"
  table="model batch murine_ms pytorch_ms ratio"
  for run in "${runs[@]}"; do
    # shellcheck disable=SC2086
    m=$("$build_dir/murine" bench $run $steps --device "$device" 2>&1 | tee -a "$log" | grep '^bench ' || true)
    # shellcheck disable=SC2086
    p=$(python3 bench/torch_anchor.py $run $steps --device "$device" 2>&1 | tee -a "$log" | grep '^bench ' || true)
    field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
    mm=$(field "$m" ms_per_step); pm=$(field "$p" ms_per_step)
    ratio=$(awk -v a="${mm:-nan}" -v b="${pm:-nan}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }')
    model=${run%% *}
    batch=$(sed -n 's/.*--batch \([0-9]*\).*/\1/p' <<<"$run")
    table+=$'\n'"$model $batch ${mm:-failed} ${pm:-failed} $ratio"
  done
  column -t <<<"$table" 2>/dev/null || echo "$table"
fi
exit "$status"
