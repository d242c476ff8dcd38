#!/usr/bin/env bash
# Installs what Ferrotube needs from Debian's packages and npm, only what is missing.
#   scripts/install-deps.sh            ffmpeg + the web assets' node packages (to run an instance)
#   scripts/install-deps.sh --test     also chromium (browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing from Debian: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# hls.js for the player (and playwright-core for the browser tests; it never downloads a browser).
if [ ! -f web/node_modules/hls.js/dist/hls.min.js ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
