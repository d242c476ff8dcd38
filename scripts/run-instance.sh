#!/usr/bin/env bash
# Runs a Ferrotube instance on http://127.0.0.1:9000 with SQLite and local files under ./data.
# The first start creates the administrator `root` (password from FERROTUBE_INITIAL_ROOT_PASSWORD,
# else generated and printed once).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo build --release -p ferrotube
export FERROTUBE_LISTEN="${FERROTUBE_LISTEN:-127.0.0.1:9000}"
export FERROTUBE_PUBLIC_URL="${FERROTUBE_PUBLIC_URL:-http://127.0.0.1:9000}"
export FERROTUBE_DATA_DIR="${FERROTUBE_DATA_DIR:-$PWD/data}"
exec target/release/ferrotube serve "$@"
