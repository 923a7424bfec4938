#!/usr/bin/env bash
# Run HERE (Debian 12, with Debian's package mirror reachable), before a GPU run: downloads into
# .device/debs/ the Debian packages murine's build needs beyond g++, make and CUDA. The lent GPU
# machine has no network and perhaps none of them; cuda/check.sh unpacks them there.
# .device/ is git-ignored; the device run carries .device/debs explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libopenblas-openmp-dev libopenblas0-openmp  # BLAS headers, libopenblas.so (OpenMP build)
  libgfortran5 libquadmath0                   # what libopenblas.so.0 links against
  libgtest-dev                                # GoogleTest headers and libgtest.a
  libcli11-dev nlohmann-json3-dev             # header-only: CLI11, nlohmann/json
  libstb-dev libstb0                          # stb_image_write (io/png.cpp)
  make                                        # used there only if the machine has no make
)

mkdir -p .device/debs
cd .device/debs
rm -f ./*.deb
if ! apt-get download "${packages[@]}"; then
  echo "fetch_debs: apt-get download failed; refreshing the package lists and retrying"
  apt-get update -qq
  apt-get download "${packages[@]}"
fi
ls -l ./*.deb
du -sh .
