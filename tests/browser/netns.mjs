// A network namespace for WebRTC tests: a veth pair with both ends inside (10.213.0.1/24 and
// .2/24) and a default route, so Chromium gathers host candidates, while no packet can leave.
// Not a test file itself.
import { execFileSync, spawn } from "node:child_process";

const ADDR_A = "10.213.0.1/24";
const ADDR_B = "10.213.0.2/24";

function ip(...args) {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Creates the namespace `name`; answers null (and the reason) when this machine does not allow it
 * (not root, no CAP_SYS_ADMIN, no veth), so callers can skip.
 */
export function createNetns(name) {
  try {
    ip("netns", "add", name);
  } catch (err) {
    return { ok: false, reason: `ip netns add is not permitted here (${String(err.stderr || err.message).trim()})` };
  }
  try {
    ip("-n", name, "link", "set", "lo", "up");
    ip("-n", name, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
    ip("-n", name, "addr", "add", ADDR_A, "dev", "v0");
    ip("-n", name, "addr", "add", ADDR_B, "dev", "v1");
    ip("-n", name, "link", "set", "v0", "up");
    ip("-n", name, "link", "set", "v1", "up");
    ip("-n", name, "route", "add", "default", "via", "10.213.0.2", "dev", "v0");
  } catch (err) {
    deleteNetns(name);
    return { ok: false, reason: `cannot set up the veth pair in ${name} (${String(err.stderr || err.message).trim()})` };
  }
  return { ok: true };
}

/** Kills whatever still runs in the namespace, then deletes it (idempotent, never throws). */
export function deleteNetns(name) {
  try {
    for (const pid of ip("netns", "pids", name).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  } catch {
    /* no such namespace */
  }
  try {
    ip("netns", "del", name);
  } catch {
    /* already deleted */
  }
}

/** Runs `node script args...` inside the namespace; resolves {code, stdout, stderr}. */
export function runInNetns(name, script, args, { timeoutMs = 600000, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn("ip", ["netns", "exec", name, process.execPath, script, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => {
      stderr += c;
      if (process.env.FT_P2P_VERBOSE) process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
