// Origin egress with 0, 1 and 2 mirrors (video redundancy), HTTP only and with P2P: a benchmark,
// not a test (it prints figures and asserts nothing).
//
//   node bench/redundancy_bench.mjs [viewers] [clipSecs]     (as root: it makes a network namespace)
//
// Each run is tests/browser/p2p-swarm.mjs --mirrors K inside a network namespace made and
// deleted here: an origin, K instances following it that each keep a copy (made by hand through
// the admin API, listed by the origin), and N headless Chromium viewers watching on the origin
// one after the other. "HTTP only" is the P2P player with nobody uploading, so segments come
// over HTTP, spread over the origin and its copies; "P2P" lets viewers share too. Origin egress
// is the fMP4 bytes the browsers fetched from the origin's host.
import path from "node:path";
import { REPO_ROOT } from "../tests/browser/helpers.mjs";
import { createNetns, deleteNetns, runInNetns } from "../tests/browser/netns.mjs";

const viewers = process.argv[2] || "6";
const clipSecs = process.argv[3] || "30";
const NS = `ft-redundancy-bench-${process.pid}`;
const SWARM = path.join(REPO_ROOT, "tests", "browser", "p2p-swarm.mjs");

process.once("exit", () => deleteNetns(NS));
const made = createNetns(NS);
if (!made.ok) {
  console.log(`skipped: ${made.reason}`);
  process.exit(0);
}

async function run(mirrors, mode) {
  const args = ["--viewers", viewers, "--clip-secs", clipSecs, "--p2p", mode, "--mirrors", String(mirrors)];
  const r = await runInNetns(NS, SWARM, args, { timeoutMs: 1800000 });
  if (r.code !== 0) throw new Error(`p2p-swarm ${args.join(" ")} failed:\n${r.stderr.slice(-4000)}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop());
  const origin = new URL(out.origin).origin;
  const fromOrigin = out.viewers.reduce((n, v) => n + (v.fetched.segmentBytesByHost[origin] || 0), 0);
  const all = out.viewers.reduce((n, v) => n + v.fetched.segmentBytes, 0);
  const peers = out.viewers.reduce((n, v) => n + v.p2pBytes, 0);
  return { mirrors, mode, video: out.segmentBytes, fromOrigin, all, peers };
}

const rows = [];
for (const mode of ["http", "on"]) {
  for (const mirrors of [0, 1, 2]) {
    const r = await run(mirrors, mode);
    rows.push(r);
    console.log(
      `${mode === "http" ? "HTTP only" : "with P2P "} ${mirrors} mirror(s): origin sent ${r.fromOrigin} segment bytes ` +
        `of ${r.all} fetched over HTTP (${r.peers} from peers; ${viewers} viewers, video ${r.video} bytes)`,
    );
  }
}
for (const mode of ["http", "on"]) {
  const base = rows.find((r) => r.mode === mode && r.mirrors === 0).fromOrigin || 1;
  const ratios = rows
    .filter((r) => r.mode === mode)
    .map((r) => `${r.mirrors} mirror(s): ${(r.fromOrigin / base).toFixed(2)}`)
    .join(", ");
  console.log(`origin egress vs no mirror, ${mode === "http" ? "HTTP only" : "with P2P"}: ${ratios}`);
}
