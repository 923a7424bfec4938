#!/usr/bin/env bash
# bench/profile_cpu.sh: where a `murine bench` run spends its time, as a flat profile in categories.
#
#   bench/profile_cpu.sh dcgan_torch --batch 32 --threads 1 --steps 3 --warmup 1
#   bench/profile_cpu.sh classifier --model cnn --threads 1 --steps 5 --warmup 1
#
# Runs `perf record -g` (user-space cycles; /usr/bin/perf) on `build/murine bench ARGS` under
# /usr/bin/time -v, then sorts the flat profile (self time per symbol, `perf report --no-children`) into
# categories by symbol name: OpenBLAS's sgemm kernel, its packing copies (sgemm_[io][nt]copy) and beta
# scaling, im2col, col2im, strided copies, elementwise loops, reductions and softmax, random numbers,
# pooling, memset/memcpy, malloc/free, libm, the OpenMP runtime, the rest of murine, the kernel's page
# fault handling (faulting in and zeroing fresh pages), other. The whole run is profiled, set-up (weights,
# random data) included, so give it enough steps. Prints the categories, the top symbols and
# /usr/bin/time's figures (system time, minor page faults, peak RSS). Bash and awk only.
set -euo pipefail
cd "$(dirname "$0")/.."
MURINE=${MURINE:-build/murine}
(($#)) || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }

data=$(mktemp) timing=$(mktemp) report=$(mktemp)
trap 'rm -f "$data" "$timing" "$report"' EXIT
/usr/bin/time -v -o "$timing" /usr/bin/perf record -q -g -o "$data" -- "$MURINE" bench "$@" | grep -v '^bench '
/usr/bin/perf report -i "$data" --no-children --sort symbol --stdio -g none 2>/dev/null |
  awk '/^ *[0-9.]+%/ { sub(/%/, "", $1); symbol = substr($0, index($0, "] ") + 2); sub(/( +-)* *$/, "", symbol)
                        print $1 "\t" $2 "\t" symbol }' >"$report"

awk -F'\t' '
  function category(s, kind) {
    if (kind == "[k]") return s ~ /fault|clear_page|page|zap|lru|folio|pte|pmd|alloc_pages/ ? "kernel: page faults" : "kernel, other"
    if (s ~ /sgemm_kernel|sgemm_small_kernel|KERNEL/) return "sgemm kernel"
    if (s ~ /sgemm_[io][nt]copy|sgemm_beta|gemm_.*copy/) return "sgemm packing + beta"
    if (s ~ /im2col/) return "im2col"
    if (s ~ /col2im/) return "col2im"
    if (s ~ /strided_copy/) return "strided copies"
    if (s ~ /binary|unary|where|elementwise|Elementwise/) return "elementwise"
    if (s ~ /reduce_rows|softmax/) return "reductions + softmax"
    if (s ~ /rand_|[Pp]hilox/) return "random numbers"
    if (s ~ /^__(log|exp|sin|cos|sincos|tanh|pow)f?/) return "libm (log, exp, sin...)"
    if (s ~ /pool/) return "pooling"
    if (s ~ /memset|memmove|memcpy|__memcpy|fill/) return "memset/memcpy/fill"
    if (s ~ /malloc|free|_int_|cfree|sysmalloc|mmap|munmap|brk/) return "malloc/free"
    if (s ~ /gomp|GOMP|omp_/) return "OpenMP runtime"
    if (s ~ /murine/) return "murine, other"
    return "other"
  }
  { share[category($3, $2)] += $1 }
  NR <= 15 { top[NR] = sprintf("  %6.2f %%  %s %s", $1, $2, substr($3, 1, 100)) }
  END {
    print "flat profile by category (user-space samples, % of all):"
    n = split("sgemm kernel|sgemm packing + beta|im2col|col2im|strided copies|elementwise|reductions + softmax|random numbers|pooling|memset/memcpy/fill|malloc/free|libm (log, exp, sin...)|OpenMP runtime|murine, other|kernel: page faults|kernel, other|other", order, "|")
    for (i = 1; i <= n; ++i) if (share[order[i]] > 0) printf "  %-22s %6.2f %%\n", order[i], share[order[i]]
    print "top symbols:"
    for (i = 1; i <= 15 && (i in top); ++i) print top[i]
  }' "$report"
awk -F': ' '/Elapsed|User time|System time|Minor|Maximum resident/ { sub(/^[ \t]+/, "", $1); print "  " $1 ": " $2 }' "$timing"
