#!/usr/bin/env bash
# `make test`: runs the GoogleTest suite, then `murine verify` over every committed reference case,
# and closes with one line adding both up: "N passed, N failed, N skipped". Exits non-zero if
# anything failed.
set -uo pipefail
build=${1:-build}
summary() { grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1; }

unit_log=$(mktemp) verify_log=$(mktemp)
trap 'rm -f "$unit_log" "$verify_log"' EXIT
"$build/murine_tests" 2>&1 | tee "$unit_log"
unit_rc=${PIPESTATUS[0]}
echo "== murine verify tests/reference"
"$build/murine" verify tests/reference 2>&1 | tee "$verify_log"
verify_rc=${PIPESTATUS[0]}

read -r up _ uf _ us _ <<<"$(summary "$unit_log" | tr -d ',')"
read -r vp _ vf _ <<<"$(summary "$verify_log" | tr -d ',')"
passed=$(( ${up:-0} + ${vp:-0} )) failed=$(( ${uf:-0} + ${vf:-0} ))
[ "$unit_rc" -eq 0 ] && [ -n "${up:-}" ] || failed=$(( failed > 0 ? failed : 1 ))
[ "$verify_rc" -eq 0 ] && [ -n "${vp:-}" ] || failed=$(( failed > 0 ? failed : 1 ))
echo "unit tests: ${up:-?} passed, ${uf:-?} failed, ${us:-0} skipped; reference cases: ${vp:-?} passed, ${vf:-?} failed"
echo "$passed passed, $failed failed, ${us:-0} skipped"
[ "$failed" -eq 0 ]
