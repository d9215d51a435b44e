#!/usr/bin/env bash
# Installs the browser the browser tests drive (test/browser runs the web UI in headless Chromium
# through the DevTools protocol), from Debian's packages, when none is found:
#
#   scripts/browser-tools.sh        prints nothing when chromium, chromium-browser or google-chrome is in PATH
#
# The tests look for the same programs (or COMPANIONHUB_TEST_CHROMIUM); without one they skip,
# except on CI (CI=true), where they fail.
set -euo pipefail

log() { printf 'browser-tools: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

have_browser() {
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null
}

have_browser && exit 0

command -v apt-get >/dev/null || { log "no Chromium is installed and there is no apt-get: install Chromium with this system's package manager"; exit 1; }
log "installing chromium from Debian's packages"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
have_browser || { log "chromium was installed but is not in PATH"; exit 1; }
