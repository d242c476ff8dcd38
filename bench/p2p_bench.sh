#!/usr/bin/env bash
# P2P figures (a benchmark, not a test: it prints numbers and asserts nothing).
#
#   bench/p2p_bench.sh [viewers]        (default 10; as root: it makes a network namespace)
#
# 1. Server bytes for N browser viewers (separate headless Chromium processes, one after the
#    other, each staying to share) with P2P on vs off, as a ratio. Runs tests/browser/p2p-swarm.mjs
#    inside a network namespace made and deleted here. Two measures: the fMP4 segment bytes the
#    browsers fetched from the instance (what P2P can save), and every byte the server process
#    wrote (/proc/PID/io wchar: pages, the player script, API and tracker traffic included).
# 2. WebSocket tracker peers held at once (10,000), each announcing with 10 WebRTC offers as a
#    browser does, and the server's memory per peer.
# 3. HTTP announces per second.
# Everything talks to 127.0.0.1 or inside the namespace only.
set -euo pipefail
cd "$(dirname "$0")/.."
VIEWERS="${1:-10}"
CLIP_SECS="${FT_BENCH_CLIP_SECS:-60}"
TARGET="${CARGO_TARGET_DIR:-target}"
export CARGO_TARGET_DIR="$TARGET"
cargo build --release -q -p ferrotube
cargo build --release -q -p ferrotube-p2p --example tracker_load
BIN="$TARGET/release/ferrotube"
LOAD="$TARGET/release/examples/tracker_load"
export FT_BIN="$BIN"

echo "== tracker: WebSocket peers held and HTTP announces (release build)"
# 10,000 sockets on each side: raise the soft limit as far as the hard one allows.
ulimit -n "$(ulimit -Hn)"
tmp="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
printf '[tracker]\nprivate = false\nmax_announces_per_minute = 0\n' > "$tmp/config.toml"
FERROTUBE_LISTEN="127.0.0.1:$port" FERROTUBE_PUBLIC_URL="http://127.0.0.1:$port" FERROTUBE_DATA_DIR="$tmp/data" \
  FERROTUBE_INITIAL_ROOT_PASSWORD=bench-password-1 RUST_LOG=warn "$BIN" serve --config "$tmp/config.toml" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/v1/config" >/dev/null && break; sleep 0.2; done
"$LOAD" --host "127.0.0.1:$port" --server-pid "$server" --peers "${FT_BENCH_PEERS:-10000}" --announces 20000
kill $server; wait $server 2>/dev/null || true

echo "== server bytes for $VIEWERS viewers of a ${CLIP_SECS} s video, P2P on vs off"
node bench/p2p_viewers.mjs "$VIEWERS" "$CLIP_SECS"
