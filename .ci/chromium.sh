#!/usr/bin/env bash
# Headless Chromium for the browser tests of examples/saas (browser_test.go).
#
# Usage:
#   SCIM_TEST_CHROMIUM=$(.ci/chromium.sh)   # prints the path of a working Chromium
#   export SCIM_TEST_CHROMIUM
#   go test ./examples/saas/...
#
# It takes SCIM_TEST_CHROMIUM when set, else finds chromium (or chromium-browser,
# google-chrome) on PATH; when there is none and it runs as root, it installs
# Debian's chromium package. It checks that the browser runs (--version) and
# prints its path on stdout; everything else goes to stderr. With SCIM_TEST_CHROMIUM set, the browser tests fail
# instead of skipping when that Chromium does not start, so CI cannot skip
# them silently.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

find_chromium() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  done
}

path=${SCIM_TEST_CHROMIUM:-}
[ -n "$path" ] || path=$(find_chromium)
if [ -z "$path" ]; then
  if [ "$(id -u)" -ne 0 ]; then log "chromium not found and not root: install Chromium or set SCIM_TEST_CHROMIUM"; exit 1; fi
  log "installing Chromium from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
  path=$(find_chromium)
  [ -n "$path" ] || { log "chromium still not found after installing it"; exit 1; }
fi
version=$("$path" --version 2>/dev/null) || { log "$path does not run"; exit 1; }
log "$version at $path"
echo "$path"
