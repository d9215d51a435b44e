#!/usr/bin/env bash
# Installs the speech programs the tests run (the espeak speech backend, adapter/espeak, runs
# espeak-ng), from Debian's packages, when they are missing:
#
#   scripts/speech-tools.sh        prints nothing when espeak-ng is already installed
#
# The tests that need espeak-ng skip without it, except on CI (CI=true), where they fail.
set -euo pipefail

log() { printf 'speech-tools: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

command -v espeak-ng >/dev/null && exit 0

command -v apt-get >/dev/null || { log "espeak-ng is not installed and there is no apt-get: install espeak-ng with this system's package manager"; exit 1; }
log "installing espeak-ng from Debian's packages"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null
command -v espeak-ng >/dev/null || { log "espeak-ng was installed but is not in PATH"; exit 1; }
