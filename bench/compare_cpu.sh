#!/usr/bin/env bash
# bench/compare_cpu.sh: murine against its PyTorch anchor on the CPU, in one go, and one table.
#
# For each thread count it measures the machine's sgemm rate (`murine bench sgemm`, a 2048² OpenBLAS
# sgemm, best of 3 calls) before and after its runs, keeping the better, and for each configuration runs
# `murine bench` and `bench/torch_anchor.py` alternately, murine then PyTorch, --rounds times (A B A B:
# the machine's drift hits both), and keeps each side's best median ms/step. The table: model, config,
# batch, threads, murine ms, PyTorch ms, the ratio murine / PyTorch (below 1: murine is faster), murine's
# nominal GFLOP per step and GFLOP/s, that rate as a share of the sgemm rate at the same thread count,
# and each side's peak resident memory (getrusage's ru_maxrss of its whole process: PyTorch's includes
# about 225 MB for importing torch). The FLOPs are counted from the layer shapes, the same way on both
# sides (autograd/flop_count.h); a row whose two counts differ by more than 0.1 % is marked, since then
# the two do not run the same layers.
#
#   bench/compare_cpu.sh                    # the issue's configurations at threads 1 and 2 (bench/README.md)
#   bench/compare_cpu.sh --quick            # the same configurations with fewer steps
#   bench/compare_cpu.sh --models "dcgan_torch mlp" --threads 1 --steps 3 --warmup 1 --rounds 2
#
# Progress goes to stderr, the table to stdout. Bash and awk only; PyTorch is Debian's (/usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."

MURINE=${MURINE:-build/murine}
PYTHON=${PYTHON:-/usr/bin/python3}
ANCHOR=bench/torch_anchor.py
THREADS="1 2"
MODELS="dcgan_torch dcgan_keras ddim mlp cnn"
ROUNDS=2
STEPS=""   # empty: per model (steps_of)
WARMUP=""
QUICK=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  echo "options: --quick  --models \"$MODELS\"  --threads \"$THREADS\"  --rounds $ROUNDS  --steps N  --warmup N"
}

while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --models) MODELS=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --steps) STEPS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare_cpu.sh: unknown option '$1' (--help)" >&2; exit 2 ;;
  esac
  shift
done

[[ -x $MURINE ]] || { echo "compare_cpu.sh: $MURINE not found: run make first" >&2; exit 1; }
"$PYTHON" -c "import torch" 2>/dev/null || { echo "compare_cpu.sh: $PYTHON has no torch (apt-get install python3-torch)" >&2; exit 1; }

# The configurations: model | its config, for the table | the arguments both programs take.
CONFIGS=(
  "dcgan_torch|mouse r=0.4, 64x64|dcgan_torch --batch 32 --image-size 64"
  "dcgan_torch|standard, 64x64|dcgan_torch --batch 32 --image-size 64 --standard"
  "dcgan_keras|mouse r=0.4, 64x64|dcgan_keras --batch 32 --image-size 64"
  "dcgan_keras|standard, 64x64|dcgan_keras --batch 32 --image-size 64 --standard"
  "ddim|demo: 32x32, 16,32,48,64, r=0.4|ddim --batch 32 --image-size 32 --widths 16,32,48,64"
  "ddim|paper: 64x64, 64,128,256,512, r=0.4|ddim --batch 8 --image-size 64 --widths 64,128,256,512"
  "mlp|standard|classifier --model mlp --layer standard --batch 32"
  "mlp|sz p=0.5|classifier --model mlp --layer sz --batch 32"
  "cnn|standard|classifier --model cnn --layer standard --batch 32"
  "cnn|sz p=0.5|classifier --model cnn --layer sz --batch 32"
)

# Timed and warm-up steps per model (full run, --quick), unless --steps/--warmup say otherwise.
steps_of() {
  case "$1:$QUICK" in
    mlp:0) echo "100 5" ;;   mlp:1) echo "30 3" ;;
    cnn:0) echo "10 2" ;;    cnn:1) echo "4 1" ;;
    ddim:0) echo "4 1" ;;    ddim:1) echo "2 1" ;;
    *:0) echo "5 1" ;;       *:1) echo "2 1" ;;
  esac
}

# value KEY LINE: the value of KEY= in a result line.
value() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

selected=()
for c in "${CONFIGS[@]}"; do
  for m in $MODELS; do [[ ${c%%|*} == "$m" ]] && selected+=("$c"); done
done
((${#selected[@]})) || { echo "compare_cpu.sh: no configuration for models '$MODELS'" >&2; exit 2; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT
start=$SECONDS
runs_total=$(( $(wc -w <<<"$THREADS") * ${#selected[@]} * ROUNDS * 2 ))
run=0
progress() { printf '[%3d/%d, %dm%02ds] %s\n' "$run" "$runs_total" $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$*" >&2; }
echo "compare_cpu.sh: ${#selected[@]} configurations x threads ($THREADS) x $ROUNDS rounds x 2 frameworks; $(uptime | sed 's/.*load/load/')" >&2

# The sgemm rate at $1 threads, recorded for the table (which keeps the best of a thread count's calls).
measure_sgemm() {
  local line sgemm
  line=$(OMP_NUM_THREADS=$1 "$MURINE" bench sgemm --threads "$1" --size 2048 --repeats 3 | grep '^bench ') || line=""
  sgemm=$(value gflops "$line")
  progress "sgemm 2048, $1 threads: ${sgemm:-failed} GFLOP/s"
  echo "sgemm $1 ${sgemm:-0}" >>"$results"
}

for t in $THREADS; do
  measure_sgemm "$t"  # before and after the thread count's runs: a busy moment lowers one of the two
  for i in "${!selected[@]}"; do
    IFS='|' read -r model config args <<<"${selected[$i]}"
    read -r steps warmup <<<"$(steps_of "$model")"
    steps=${STEPS:-$steps} warmup=${WARMUP:-$warmup}
    for ((r = 1; r <= ROUNDS; ++r)); do
      for side in murine pytorch; do
        run=$((run + 1))
        if [[ $side == murine ]]; then cmd=("$MURINE" bench); else cmd=("$PYTHON" "$ANCHOR"); fi
        # shellcheck disable=SC2206
        cmd+=($args --threads "$t" --steps "$steps" --warmup "$warmup")
        if out=$(OMP_NUM_THREADS=$t "${cmd[@]}" 2>&1) && line=$(grep '^bench ' <<<"$out"); then
          ms=$(value ms_per_step "$line") gflop=$(value gflop_per_step "$line") peak=$(value peak_rss_mb "$line")
          echo "run $i $t $side $ms $gflop $peak" >>"$results"
          progress "$side $model ($config) $t threads, round $r: $ms ms/step, $gflop GFLOP/step, peak $peak MB"
        else
          progress "$side $model ($config) $t threads, round $r: FAILED: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
        fi
      done
    done
  done
  measure_sgemm "$t"
done

labels=$(mktemp)
trap 'rm -f "$results" "$labels"' EXIT
for i in "${!selected[@]}"; do
  IFS='|' read -r model config args <<<"${selected[$i]}"
  batch=$(sed -n 's/.*--batch \([0-9]*\).*/\1/p' <<<"$args")
  echo "$i|$model|$config|$batch" >>"$labels"
done

echo "compare_cpu.sh: done in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s; $(uptime | sed 's/.*load/load/')" >&2
awk -v labels="$labels" '
  BEGIN {
    FS = " "
    while ((getline l < labels) > 0) { split(l, f, "|"); model[f[1]] = f[2]; config[f[1]] = f[3]; batch[f[1]] = f[4]; n = f[1] + 1 }
  }
  $1 == "sgemm" { if ($3 > sgemm[$2]) sgemm[$2] = $3; if (!($2 in seen)) { seen[$2] = 1; threads[++nt] = $2 } }
  $1 == "run" {
    k = $2 SUBSEP $3 SUBSEP $4
    if (!(k in ms) || $5 < ms[k]) ms[k] = $5
    gflop[k] = $6
    if ($7 > peak[k]) peak[k] = $7
  }
  function cell(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
  END {
    print "| model | config | batch | threads | murine ms | PyTorch ms | murine / PyTorch | murine GFLOP/step | murine GFLOP/s | % of sgemm | murine peak MB | PyTorch peak MB |"
    print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (ti = 1; ti <= nt; ++ti) {
      t = threads[ti]
      for (i = 0; i < n; ++i) {
        m = i SUBSEP t SUBSEP "murine"; p = i SUBSEP t SUBSEP "pytorch"
        ratio = (m in ms && p in ms && ms[p] > 0) ? sprintf("%.2f", ms[m] / ms[p]) : "-"
        rate = (m in ms && ms[m] > 0) ? gflop[m] / (ms[m] / 1000) : ""
        share = (rate != "" && sgemm[t] > 0) ? sprintf("%.0f %%", 100 * rate / sgemm[t]) : "-"
        mark = ""
        if ((m in gflop) && (p in gflop) && gflop[p] > 0 && (gflop[m] / gflop[p] > 1.001 || gflop[m] / gflop[p] < 0.999))
          mark = sprintf(" (PyTorch counts %s)", gflop[p])
        printf "| %s | %s | %s | %s | %s | %s | %s | %s%s | %s | %s | %s | %s |\n", model[i], config[i], batch[i], t,
               cell(ms[m], "%.1f"), cell(ms[p], "%.1f"), ratio, cell(gflop[m], "%.3f"), mark, cell(rate, "%.1f"), share,
               cell(peak[m], "%.0f"), cell(peak[p], "%.0f")
      }
    }
    printf "\nsgemm rate (OpenBLAS, 2048x2048, best of 3 calls, before and after each thread count'"'"'s runs):"
    for (ti = 1; ti <= nt; ++ti) printf " %s GFLOP/s at %s thread%s;", sgemm[threads[ti]], threads[ti], threads[ti] == 1 ? "" : "s"
    print ""
  }' "$results"
cat <<'EOF'
FLOPs: nominal, from the layer shapes, 2 per multiply-add of the GEMM-like products only: conv2d forward
2·N·O·OH·OW·(C/G)·kh·kw, conv_transpose2d 2·N·C·H·W·(O/G)·kh·kw, linear 2·M·in·out, matmul (attention,
bilinear upsampling, spectral norm) 2·B·M·K·N, each once more for dx and for dW when the backward computes
them; masked layers count their dense work; elementwise ops, norms, pooling and the optimizers are not
counted (autograd/flop_count.h; bench/torch_anchor.py counts the same by hooks). ms: each side's best
median over the rounds; peak MB: ru_maxrss of the whole process.
EOF
