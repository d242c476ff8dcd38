#!/usr/bin/env bash
# Everything CI checks: formatting, lints, the Rust test suites (unit, store on SQLite and
# PostgreSQL, in-process router, instance tests over HTTP, conformance, fuzz replays) and the
# browser tests in Debian's chromium.
#
# One compile of the dependency tree: clippy-driver wraps rustc for the workspace's own crates
# while the tests are built (RUSTC_WORKSPACE_WRAPPER, the mechanism `cargo clippy` itself uses),
# so the lints run on the very compile that produces the test binaries instead of a separate
# `cargo clippy` pass that would check every dependency a second time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

# PostgreSQL and Redis are services of the machine; start them if they are down.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

phase() { printf '== %s (%ss)\n' "$1" "$SECONDS"; }

cargo fmt --all -- --check
phase "fmt"

clippy_driver="$(dirname "$(rustup which cargo 2>/dev/null || command -v cargo)")/clippy-driver"
[ -x "$clippy_driver" ] || clippy_driver="$(command -v clippy-driver)"
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
# clippy-driver reads its own arguments from CLIPPY_ARGS, separated by this marker.
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
# mold links the test binaries several times faster than the system linker.
if command -v mold >/dev/null 2>&1; then
  export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-fuse-ld=mold"
fi

# Examples are linted (and built) too, as `cargo clippy --all-targets` would.
cargo build --workspace --examples --quiet
phase "build examples (and lint)"
# The test binaries and the `ferrotube` binary the instance tests start, linted as they build.
cargo nextest run --workspace --no-run --cargo-quiet
phase "build tests (and lint)"
# Instance tests each run a server and mostly wait on ffmpeg or the network: run them side by
# side. The ci profile (.config/nextest.toml) reports slow tests and never retries.
cargo nextest run --workspace --profile ci --cargo-quiet
phase "rust tests"
# (No doc tests: the workspace's doc comments hold no Rust examples; nextest does not run them.)
# Two files at a time: each mostly waits on its servers and browsers, and node's default (one
# fewer than the cores) runs them one by one on a 2-core machine (about 240 s instead of 150 s).
node --test --test-concurrency=2 tests/browser/
phase "browser tests"
