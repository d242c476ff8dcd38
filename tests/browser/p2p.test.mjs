// Peer-to-peer delivery between real browsers: separate headless Chromium processes watch the
// same video on a real instance; later viewers must get part of their segments from earlier ones
// over WebRTC, and a segment a peer tampered with must be refused and fetched again over HTTP.
//
// Everything runs inside a network namespace this file creates and deletes (see netns.mjs): the
// instance, the browsers and their WebRTC traffic never leave it. Where `ip netns` is not
// permitted the tests are skipped with the reason.
//
// Run: node --test tests/browser/p2p.test.mjs (as root; FT_P2P_VERBOSE=1 shows the viewers' logs).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { SERVER_BIN, REPO_ROOT } from "./helpers.mjs";
import { createNetns, deleteNetns, runInNetns } from "./netns.mjs";

const NS = `ft-p2p-test-${process.pid}`;
const SWARM = path.join(REPO_ROOT, "tests", "browser", "p2p-swarm.mjs");
let skipReason = null;

before(() => {
  if (!fs.existsSync(SERVER_BIN)) throw new Error(`server binary ${SERVER_BIN} not found: cargo build -p ferrotube`);
  const made = createNetns(NS);
  if (!made.ok) skipReason = made.reason;
  // Deleted even when the run is interrupted.
  process.once("exit", () => deleteNetns(NS));
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, () => {
      deleteNetns(NS);
      process.exit(130);
    });
  }
});

after(() => deleteNetns(NS));

async function swarm(t, args) {
  if (skipReason) {
    t.skip(`skipped: ${skipReason}`);
    return null;
  }
  const res = await runInNetns(NS, SWARM, args);
  assert.equal(res.code, 0, `p2p-swarm ${args.join(" ")} failed:\n${res.stderr.slice(-6000)}`);
  const line = res.stdout.trim().split("\n").pop();
  return JSON.parse(line);
}

test("later viewers get segments from earlier ones over WebRTC", async (t) => {
  const r = await swarm(t, ["--viewers", "3", "--clip-secs", "24"]);
  if (!r) return;
  const [first, ...later] = r.viewers;
  const p2p = later.reduce((n, v) => n + v.p2pBytes, 0);
  const http = later.reduce((n, v) => n + v.httpBytes, 0);
  const share = p2p / (p2p + http);
  console.log(
    `P2P share of the later viewers: ${(share * 100).toFixed(1)}% (${p2p} bytes from peers, ${http} from the server; ` +
      `first viewer uploaded ${first.uploadedBytes}; video ${r.segmentBytes} bytes)`,
  );
  assert.ok(p2p > 0, `no bytes from peers: ${JSON.stringify(r.viewers)}`);
  assert.ok(first.uploadedBytes > 0, "the first viewer shared what it had");
  for (const v of r.viewers) assert.equal(v.rejectedSegments, 0, "untampered segments all pass the sha256 check");
});

test("a tampered segment from a peer is refused and fetched again over HTTP", async (t) => {
  const r = await swarm(t, ["--viewers", "2", "--tamper", "--clip-secs", "24"]);
  if (!r) return;
  const [, second] = r.viewers;
  console.log(`second viewer: ${JSON.stringify(second)}`);
  assert.ok(second.rejectedSegments > 0, `nothing was refused: ${JSON.stringify(second)}`);
  // Every segment it kept came from the server: what the tampering peer sent was all thrown away,
  // and the viewer still loaded the whole video (p2p-swarm waits until it is buffered to the end).
  assert.equal(second.p2pBytes, 0);
  assert.ok(second.httpBytes >= r.segmentBytes * 0.9, `HTTP refetch: ${second.httpBytes} of ${r.segmentBytes}`);
});

test("a viewer on a following instance shares the origin's swarm", async (t) => {
  // Viewer 0 watches on the origin; viewer 1 watches the follower's copy of the same video, whose
  // player joins the origin's swarm through the origin's tracker.
  const r = await swarm(t, ["--viewers", "2", "--federated", "--clip-secs", "24"]);
  if (!r) return;
  const [onOrigin, onFollower] = r.viewers;
  console.log(`viewer on the follower: ${JSON.stringify(onFollower)}`);
  assert.ok(onFollower.p2pBytes > 0, `no bytes from the origin's viewer: ${JSON.stringify(r.viewers)}`);
  assert.ok(onOrigin.uploadedBytes > 0, "the origin's viewer shared with the follower's");
  assert.equal(onFollower.rejectedSegments, 0);
});

test("a viewer on the origin fetches segments from a mirror's copy too", async (t) => {
  // The follower keeps a copy (video redundancy); the origin's player spreads HTTP fetches over
  // both, checking each segment against the sha256 map.
  const r = await swarm(t, ["--viewers", "1", "--mirrored", "--clip-secs", "12"]);
  if (!r) return;
  const [viewer] = r.viewers;
  console.log(`HTTP bytes by source: ${JSON.stringify(viewer.httpBySource)}`);
  const fromMirror = viewer.httpBySource[new URL(r.mirror).origin] || 0;
  const fromOrigin = viewer.httpBySource[new URL(r.origin).origin] || 0;
  assert.ok(fromMirror > 0, `nothing from the mirror: ${JSON.stringify(viewer)}`);
  assert.ok(fromOrigin > 0, `nothing from the origin: ${JSON.stringify(viewer)}`);
  assert.equal(viewer.rejectedSegments, 0);
});

test("with the origin killed, a viewer on the mirror plays its copy to the end", async (t) => {
  const r = await swarm(t, ["--viewers", "1", "--mirrored", "--kill-origin", "--clip-secs", "8"]);
  if (!r) return;
  const [viewer] = r.viewers;
  console.log(`viewer on the mirror: ${JSON.stringify(viewer)}`);
  assert.ok(viewer.ended, "played to the end");
  assert.ok(viewer.servedFromCopy, "the page says it is served from a copy");
  const fromMirror = viewer.httpBySource[new URL(r.mirror).origin] || 0;
  assert.ok(fromMirror >= r.segmentBytes * 0.9, `from the mirror: ${fromMirror} of ${r.segmentBytes}`);
});

test("behind nginx, two viewers whose tracker sockets reached different web nodes share segments from the bucket", async (t) => {
  // nginx (deploy/nginx.conf) in front of two web nodes and a worker on PostgreSQL, Redis and
  // an S3 server; the video is played from the bucket. least_conn sends the second viewer's
  // socket to the node without the first's; the nodes relay the signalling through Redis.
  const r = await swarm(t, ["--viewers", "2", "--cluster", "--clip-secs", "12"]);
  if (!r) return;
  const [first, second] = r.viewers;
  console.log(`cluster: tracker sockets ${JSON.stringify(r.trackerNodes)}; second viewer ${JSON.stringify(second)}`);
  assert.equal(r.trackerNodes.length, 2);
  const [nodesOfFirst, nodesOfSecond] = r.trackerNodes;
  assert.ok(nodesOfFirst.length > 0 && nodesOfSecond.length > 0, `sockets not in nginx's log: ${JSON.stringify(r.trackerNodes)}`);
  assert.ok(
    nodesOfFirst.every((n) => !nodesOfSecond.includes(n)),
    `both viewers' sockets reached the same node: ${JSON.stringify(r.trackerNodes)}`,
  );
  assert.ok(
    (first.fetched.segmentBytesByHost[r.bucket] || 0) > 0,
    `the first viewer read no segment from the bucket ${r.bucket}: ${JSON.stringify(first.fetched)}`,
  );
  assert.ok(second.p2pBytes > 0, `no bytes from the viewer on the other node: ${JSON.stringify(r.viewers)}`);
  assert.ok(first.uploadedBytes > 0, "the first viewer shared across nodes");
  assert.equal(second.rejectedSegments, 0);
});
