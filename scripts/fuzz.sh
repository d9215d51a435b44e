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
for t in "${targets[@]}"; do
  read -r dir name <<<"$t"
  echo "fuzz: $dir $name for $FUZZTIME"
  "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$dir" >/tmp/fuzz.$$.log 2>&1 || {
    cat /tmp/fuzz.$$.log
    rm -f /tmp/fuzz.$$.log
    echo "fuzz: $dir $name failed; the input is under $dir/testdata/fuzz/$name" >&2
    exit 1
  }
  tail -n 1 /tmp/fuzz.$$.log
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: ${#targets[@]} targets, $(( $(date +%s) - start ))s"
