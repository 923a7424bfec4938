#!/usr/bin/env bash
# `make demo`: trains a small mouse-mimetic DCGAN (PyTorch flavour, r = 0.4, 32×32, ngf = ndf = 32)
# on the built-in synthetic cat faces on the CPU, then puts the pictures under demo/:
#   demo/generated.png  faces drawn by the trained generator
#   demo/training.png   faces it was trained on
#   demo/losses.png     the loss curves (when matplotlib is present), demo/weights.txt the weight table
# The run itself (checkpoint, losses.csv, intermediate grids) is in demo/run/.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${DEMO_STEPS:-750}  # about 8 minutes on 2 cores (0.6–0.7 s per step)
mkdir -p demo
rm -rf demo/run
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}  # don't spin when the two cores are shared
"${MURINE:-build/murine}" train dcgan --flavour torch --data synthetic-cats --image-size 32 --ngf 32 --ndf 32 \
  --batch 64 --steps "$steps" --sample-every 250 --window2d-width 0.4 --seed 0 --out demo/run
cp demo/run/samples_final.png demo/generated.png
cp demo/run/training_images.png demo/training.png
cp demo/run/weights.txt demo/weights.txt
if python3 -c "import matplotlib" 2>/dev/null; then
  python3 tools/plot_run.py demo/run --out demo/losses.png
else
  echo "demo: no loss plot: matplotlib is missing (pip install matplotlib, or apt-get install python3-matplotlib)"
fi
echo "demo: see demo/generated.png (generated faces) next to demo/training.png (training faces)"
