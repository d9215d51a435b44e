#!/usr/bin/env bash
# Fails when a tracked file is larger than 1 MB, unless scripts/large-files.allow lists it (test data
# that must be that big). Build output and binaries do not belong in the repository: every `go get`
# of the module downloads them.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=$((1 << 20))
ALLOW=scripts/large-files.allow
status=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  if [ "$size" -gt "$LIMIT" ] && ! grep -qxF "$f" <(grep -v '^#' "$ALLOW" 2>/dev/null || true); then
    echo "large-files: $f is $size bytes (over 1 MB); remove it or list it in $ALLOW if it is test data" >&2
    status=1
  fi
done < <(git ls-files -z)
exit $status
