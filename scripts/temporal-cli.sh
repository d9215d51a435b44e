#!/usr/bin/env bash
# Builds the temporal CLI the integration tests run as their Temporal dev server, once: its releases
# cannot be downloaded here, so it is built from source through the Go module proxy (about 4 minutes
# cold) and cached. Newer versions do not build with this toolchain.
#
#   scripts/temporal-cli.sh        prints nothing when the cached binary is there
#
# COMPANIONHUB_TEST_TEMPORAL_CLI=/path/to/temporal skips the build and uses that binary instead.
set -euo pipefail

VERSION=v1.5.1 # keep in step with test/containers.TemporalCLIVersion
CACHE=${COMPANIONHUB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/companionhub}
BIN="$CACHE/temporal-$VERSION/temporal"
GO=${GO:-go}

log() { printf 'temporal-cli: %s\n' "$*" >&2; }

if [ -n "${COMPANIONHUB_TEST_TEMPORAL_CLI:-}" ]; then
  [ -x "$COMPANIONHUB_TEST_TEMPORAL_CLI" ] || { log "COMPANIONHUB_TEST_TEMPORAL_CLI=$COMPANIONHUB_TEST_TEMPORAL_CLI is not an executable"; exit 1; }
  exit 0
fi
[ -x "$BIN" ] && exit 0

log "building the temporal CLI $VERSION (once; about 4 minutes)"
mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/temporal-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Outside any module, so this project's go.mod plays no part.
(cd "$tmp" && GOBIN="$tmp" GOFLAGS=-mod=mod "$GO" install "github.com/temporalio/cli/cmd/temporal@$VERSION")
mkdir -p "$(dirname "$BIN")"
mv "$tmp/temporal" "$BIN"
log "built $BIN"
