#!/usr/bin/env bash
# Installs what Ferrotube needs from Debian's packages and npm, only what is missing.
#   scripts/install-deps.sh            ffmpeg + the web assets' node packages (to run an instance)
#   scripts/install-deps.sh --test     also chromium (browser tests), aria2 (a stock BitTorrent
#                                      client for the web-seed test), mold (a fast linker for the
#                                      test binaries), python3-feedparser (the feed tests' parser)
#                                      and cargo-nextest
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v aria2c >/dev/null 2>&1 || need+=(aria2)
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
  command -v mold >/dev/null 2>&1 || need+=(mold)
  # Feed tests parse every feed with a real parser (Debian's python3, not a pyenv one).
  /usr/bin/python3 -c 'import feedparser' >/dev/null 2>&1 || need+=(python3-feedparser)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing from Debian: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The test runner (preinstalled on our machines; built from crates.io otherwise).
if [ "${1:-}" = "--test" ] && ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
# hls.js, p2p-media-loader and esbuild for the player bundle (crates/web/build.rs runs
# `node web/build.mjs`), and playwright-core for the browser tests (it never downloads a browser).
# web/.npmrc sets ignore-scripts: no package may build or download anything at install time.
if [ ! -f web/node_modules/hls.js/dist/hls.min.js ] || [ ! -d web/node_modules/esbuild ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
