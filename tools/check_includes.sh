#!/usr/bin/env bash
# `make check-includes` (run by `make test`): the include rules of docs/architecture.md. Each room may
# include only the rooms listed for it (and itself); graph nodes are recorded only in autograd/.
# Prints one line per broken rule and exits non-zero if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."

# room → the rooms it may include besides itself, lowest first.
declare -A allowed=(
  [tensor]=""
  [io]="tensor"
  [autograd]="tensor"
  [cuda]="tensor"
  [layers]="tensor io autograd"
  [optim]="tensor io autograd layers"
  [models]="tensor io autograd layers optim"
  [data]="tensor io autograd"
  [train]="tensor io autograd layers optim models data"
  [tools]="tensor io autograd layers optim models data train"
  [examples]="tensor io autograd layers optim models data train"
  [bench]="tensor io autograd layers optim models data train"
)
rooms="tensor io autograd cuda layers optim models data train tools examples bench"

broken=0
for room in $rooms; do
  [ -d "$room" ] || continue
  ok=" $room ${allowed[$room]} "
  while IFS=: read -r file line text; do
    target=$(sed -E 's/^#include "([^/"]+)\/.*/\1/' <<<"$text")
    [[ "$target" == "$text" ]] && continue  # an include without a folder (a local one)
    if [[ " $rooms tests " == *" $target "* && "$ok" != *" $target "* ]]; then
      echo "$file:$line: $room/ may not include $target/ ($text); $room/ includes only: ${allowed[$room]:-nothing else}"
      broken=1
    fi
  done < <(grep -rnE --include='*.h' --include='*.cpp' --include='*.cu' '^#include "' "$room")
done

# Only autograd/ records graph nodes: record() is its function, and the ops are the way to reach it.
while IFS= read -r hit; do
  echo "$hit: record() outside autograd/ (write the op in autograd/ and call it)"
  broken=1
done < <(grep -rnE --include='*.h' --include='*.cpp' --include='*.cu' '(^|[^_[:alnum:].>])record\(' \
           tensor io cuda layers optim models data train tools examples bench 2>/dev/null | grep -v '^\S*:\s*//')

if [ "$broken" -eq 0 ]; then
  echo "include rules: ok (docs/architecture.md)"
fi
exit "$broken"
