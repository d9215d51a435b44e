#!/usr/bin/env bash
# Runs every native Go fuzz target of the module, one after another (each takes every core), for
# FUZZTIME each (default 30s). `make fuzz` runs them long; `make test` runs them for a moment, so
# that each target's fuzzing engine starts and the targets stay fuzzable. A failing input is written
# under the package's testdata/fuzz/<target>/: commit it, and it is a test from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
mapfile -t targets < <(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . \
  | grep -v '^./.git/' | sort | while read -r file; do
      dir=$(dirname "$file")
      grep -oE '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | while read -r name; do
        echo "$dir $name"
      done
    done)
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi
start=$(date +%s)
# fuzz runs one target; it fails when the target failed.
fuzz() {
  "$GO" test -run '^$' -fuzz "^${2}\$" -fuzztime "$FUZZTIME" "$1" >/tmp/fuzz.$$.log 2>&1
}
# engine_hiccup reports whether a failed run found nothing: Go's fuzzing engine can end a short run
# with "context deadline exceeded" when a worker is still busy with a slow input as the time runs
# out, writing no failing input. Only that is run again, once; a failure with an input never is.
engine_hiccup() {
  grep -q 'context deadline exceeded' /tmp/fuzz.$$.log && ! grep -q 'Failing input written to' /tmp/fuzz.$$.log
}
for t in "${targets[@]}"; do
  read -r dir name <<<"$t"
  echo "fuzz: $dir $name for $FUZZTIME"
  if ! fuzz "$dir" "$name"; then
    if engine_hiccup; then
      echo "fuzz: $dir $name: the engine's time ran out inside an input, with nothing found; once more"
      fuzz "$dir" "$name" || {
        cat /tmp/fuzz.$$.log
        rm -f /tmp/fuzz.$$.log
        echo "fuzz: $dir $name failed twice" >&2
        exit 1
      }
    else
      cat /tmp/fuzz.$$.log
      rm -f /tmp/fuzz.$$.log
      echo "fuzz: $dir $name failed; the input is under $dir/testdata/fuzz/$name" >&2
      exit 1
    fi
  fi
  tail -n 1 /tmp/fuzz.$$.log
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: ${#targets[@]} targets, $(( $(date +%s) - start ))s"
