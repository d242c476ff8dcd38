#!/usr/bin/env bash
# Installs what Ferrotube needs from Debian's packages and npm, only what is missing.
#   scripts/install-deps.sh            ffmpeg + the web assets' node packages (to run an instance)
#   scripts/install-deps.sh --test     also chromium (browser tests), aria2 (a stock BitTorrent
#                                      client for the web-seed test), mold (a fast linker for the
#                                      test binaries), python3-feedparser (the feed tests' parser),
#                                      python3-aiosmtpd (the mail tests' SMTP server), nginx (the
#                                      cluster test's proxy), moto's S3 server (object storage
#                                      tests, a venv under ~/.cache/ferrotube/moto) and cargo-nextest
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
  # The cluster test puts Debian's nginx in front of two web nodes (deploy/nginx.conf).
  [ -x /usr/sbin/nginx ] || need+=(nginx)
  # Feed tests parse every feed with a real parser (Debian's python3, not a pyenv one).
  /usr/bin/python3 -c 'import feedparser' >/dev/null 2>&1 || need+=(python3-feedparser)
  # Mail tests send to a real SMTP server on loopback (aiosmtpd, started by the test kit).
  /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing from Debian: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The object storage tests' S3 server: moto in server mode, from PyPI wheels into a venv (about
# 35 s on a fresh machine; Garage from crates.io would be a build of many minutes on 2 cores).
MOTO_VENV="${HOME:-/root}/.cache/ferrotube/moto"
MOTO_VERSION=5.2.5
if [ "${1:-}" = "--test" ] && ! "$MOTO_VENV/bin/python" -c "import moto, flask, flask_cors; assert moto.__version__ == '$MOTO_VERSION'" >/dev/null 2>&1; then
  echo "installing moto $MOTO_VERSION (S3 server for the tests) into $MOTO_VENV"
  rm -rf "$MOTO_VENV"
  if ! python3 -m venv "$MOTO_VENV" >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    python3 -m venv "$MOTO_VENV"
  fi
  "$MOTO_VENV/bin/pip" install -q --disable-pip-version-check "moto[s3]==$MOTO_VERSION" "flask>=3,<4" "flask-cors>=4,<7"
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
