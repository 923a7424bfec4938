#!/usr/bin/env bash
# Installs the Debian packages murine's build needs, only those that are missing; prints what it
# installs. Uses sudo when not root. Run by `make deps` (and so by make, make test, make demo);
# `install_deps.sh fuzz` (make fuzz, make fuzz-replay) adds clang and libFuzzer.
set -euo pipefail
packages=(
  g++ make              # compiler and build
  libopenblas-openmp-dev # BLAS (the OpenMP build: shares one thread pool with murine's loops)
  libcli11-dev          # command-line parsing for build/murine
  nlohmann-json3-dev    # JSON (safetensors headers, configs)
  libgtest-dev          # GoogleTest
  libstb-dev            # stb_image_write: writing PNGs (io/png.cpp)
  zlib1g-dev            # gzread: gzipped IDX files (data/idx.cpp)
  libpng-dev            # PNG decoding (data/image_decode.cpp)
  libjpeg62-turbo-dev   # JPEG decoding (data/image_decode.cpp)
  dataset-fashion-mnist # Fashion-MNIST's IDX files in /usr/share/datasets/fashion-mnist (--data fashion-mnist)
  python3-matplotlib   # the plots of the demos and experiments (tools/plot_*.py)
)
if [ "${1:-}" = fuzz ]; then
  packages+=(
    clang-14            # the fuzz build (fuzz/README.md)
    libclang-rt-14-dev  # libFuzzer and clang's ASan/UBSan runtimes
    libomp-14-dev       # clang's OpenMP
  )
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "make deps: installing missing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
