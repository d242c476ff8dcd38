#!/usr/bin/env bash
# Everything CI checks: formatting, lints, the Rust test suites (unit, database on SQLite and
# PostgreSQL, instance tests over HTTP, conformance) and the browser tests in Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

# PostgreSQL and Redis are services of the machine; start them if they are down.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
cargo build -p ferrotube
# Instance tests each run a server and mostly wait on ffmpeg: run them side by side.
cargo test --workspace -- --test-threads=12
node --test tests/browser/
