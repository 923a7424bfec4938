#!/usr/bin/env bash
# `make demo` / `make demo-ddim`: trains a small mouse-mimetic model on the built-in synthetic cat faces
# on the CPU, then puts the pictures in one folder:
#   generated.png  faces drawn by the trained model
#   training.png   faces it was trained on
#   losses.png     the loss curves (when matplotlib is present); weights.txt the weight-sign table
#   run/           the run directory (checkpoint, losses.csv, sample grids along the way)
# usage: tools/demo.sh [dcgan|ddim|classify]
#   dcgan (make demo):      PyTorch-flavour DCGAN, r = 0.4, 32×32, ngf = ndf = 32, batch 64, 750 steps → demo/
#   ddim  (make demo-ddim): DDIM, r = 0.4, 32×32, widths 16,32,48,64, batch 32, 1500 steps → demo/ddim/
#   classify (make demo-classify): the schizophrenia paper's MLP on Fashion-MNIST, standard against
#                           SzDense p = 0.7, 3 runs each → demo/classify/compare.png and summary.txt
# DEMO_STEPS=N changes the number of steps, DEMO_EPOCHS=N the classify demo's epochs.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-dcgan}
murine=${MURINE:-build/murine}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}  # don't spin when the two cores are shared
case "$model" in
  dcgan)
    out=demo
    steps=${DEMO_STEPS:-750}  # about 8 minutes on 2 cores
    mkdir -p "$out" && rm -rf "$out/run"
    "$murine" train dcgan --flavour torch --data synthetic-cats --image-size 32 --ngf 32 --ndf 32 \
      --batch 64 --steps "$steps" --sample-every 250 --window2d-width 0.4 --seed 0 --out "$out/run"
    ;;
  ddim)
    out=demo/ddim
    steps=${DEMO_STEPS:-1500}
    mkdir -p "$out" && rm -rf "$out/run"
    "$murine" train ddim --data synthetic-cats --image-size 32 --widths 16,32,48,64 --batch 32 \
      --steps "$steps" --lr 1e-3 --ema 0.995 --sampling-steps 20 --sample-every 250 --window2d-width 0.4 \
      --seed 0 --out "$out/run"
    ;;
  classify)
    out=demo/classify
    rm -rf "$out"
    "$murine" experiment compare --model mlp --data fashion-mnist --layers standard,sz:0.7 --runs 3 \
      --epochs "${DEMO_EPOCHS:-8}" --batch 32 --seed 0 --out "$out"
    echo "demo: see $out/compare.png (test error per epoch of every run) and $out/summary.txt"
    exit 0
    ;;
  *)
    echo "usage: tools/demo.sh [dcgan|ddim|classify]" >&2
    exit 2
    ;;
esac
cp "$out/run/samples_final.png" "$out/generated.png"
cp "$out/run/training_images.png" "$out/training.png"
cp "$out/run/weights.txt" "$out/weights.txt"
# The python3 with matplotlib: the one on PATH, else Debian's (a pyenv python3 may lack it).
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import matplotlib" 2>/dev/null; then python=$p; break; fi
done
if [ -n "$python" ]; then
  "$python" tools/plot_run.py "$out/run" --out "$out/losses.png"
else
  echo "demo: no loss plot: matplotlib is missing (pip install matplotlib, or apt-get install python3-matplotlib)"
fi
echo "demo: see $out/generated.png (generated faces) next to $out/training.png (training faces)"
