// Server bytes for N browser viewers with P2P on vs off (run by bench/p2p_bench.sh).
//   node bench/p2p_viewers.mjs [viewers] [clipSecs]
// Each run is tests/browser/p2p-swarm.mjs inside a network namespace made and deleted here.
import path from "node:path";
import { REPO_ROOT } from "../tests/browser/helpers.mjs";
import { createNetns, deleteNetns, runInNetns } from "../tests/browser/netns.mjs";

const viewers = process.argv[2] || "10";
const clipSecs = process.argv[3] || "60";
const NS = `ft-p2p-bench-${process.pid}`;
const SWARM = path.join(REPO_ROOT, "tests", "browser", "p2p-swarm.mjs");

process.once("exit", () => deleteNetns(NS));
const made = createNetns(NS);
if (!made.ok) {
  console.log(`skipped: ${made.reason}`);
  process.exit(0);
}

async function run(p2p) {
  const started = Date.now();
  const r = await runInNetns(NS, SWARM, ["--viewers", viewers, "--clip-secs", clipSecs, "--p2p", p2p], {
    timeoutMs: 1800000,
  });
  if (r.code !== 0) throw new Error(`p2p-swarm --p2p ${p2p} failed:\n${r.stderr.slice(-4000)}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop());
  const seg = out.viewers.reduce((n, v) => n + v.fetched.segmentBytes, 0);
  const peer = out.viewers.reduce((n, v) => n + v.p2pBytes, 0);
  console.log(
    `P2P ${p2p}: ${out.viewers.length} viewers, video ${out.segmentBytes} bytes; segment bytes the browsers fetched ` +
      `from the server ${seg}, from peers ${peer}; server wrote ${out.serverBytes} bytes in all ` +
      `(${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  return { seg, all: out.serverBytes };
}

try {
  const on = await run("on");
  const off = await run("off");
  console.log(`server segment bytes, P2P on / off: ${(on.seg / off.seg).toFixed(3)} (target <= 0.2 at 10 viewers)`);
  console.log(`all server bytes (pages, player script, API, tracker too), P2P on / off: ${(on.all / off.all).toFixed(3)}`);
} finally {
  deleteNetns(NS);
}
