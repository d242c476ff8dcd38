#!/usr/bin/env python3
"""API benchmark (not a test): start a release instance, publish N small videos, then measure with
wrk (50 connections, 2 threads, same 2 cores as the server) the list and single-video endpoints,
the start-up time to the first 200 on /api/v1/config with an existing database, and the server's
RSS idle and after the load. Prints figures; exits 0 whatever they are.

    python3 bench/api_bench.py [sqlite|postgres] [--videos 100] [--seconds 15]
"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "ferrotube")
PW = "bench-root-password"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def req(method, url, data=None, headers=None, token=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    if isinstance(data, dict):
        data = json.dumps(data).encode(); h["Content-Type"] = "application/json"
    r = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(r, timeout=60) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def wrk(url, seconds):
    out = subprocess.run(["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(bad.group(1)) if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--videos", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--no-cache", action="store_true", help="turn the public answer cache off (measures the database path)")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "ferrotube"], cwd=ROOT, check=True)
    port = free_port(); url = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="ftbench-")
    env = dict(os.environ, FERROTUBE_LISTEN=f"127.0.0.1:{port}", FERROTUBE_PUBLIC_URL=url, FERROTUBE_DATA_DIR=data,
               FERROTUBE_INITIAL_ROOT_PASSWORD=PW, RUST_LOG="warn")
    pg = None
    if a.db == "postgres":
        pg = f"ftbench_{os.getpid()}"
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {pg}"], check=True)
        env["FERROTUBE_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg}"
    proc = None
    args = [BIN, "serve"]
    if a.no_cache:
        cfg = os.path.join(data, "bench.toml")
        with open(cfg, "w") as f:
            f.write("[cache]\npublic_api_ttl_ms = 0\n")
        args += ["--config", cfg]

    def start():
        nonlocal proc
        t0 = time.time()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                if req("GET", url + "/api/v1/config")[0] == 200:
                    return time.time() - t0
            except OSError:
                pass
            time.sleep(0.005)

    try:
        start()
        c = json.loads(req("GET", url + "/api/v1/oauth-clients/local")[2])
        form = urllib.parse.urlencode(dict(client_id=c["client_id"], client_secret=c["client_secret"], grant_type="password",
                                           username="root", password=PW)).encode()
        tok = json.loads(req("POST", url + "/api/v1/users/token", form, {"Content-Type": "application/x-www-form-urlencoded"})[2])["access_token"]
        chan = json.loads(req("GET", url + "/api/v1/users/me", token=tok)[2])["videoChannels"][0]["id"]
        clip = os.path.join(data, "clip.mp4")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=256x144:rate=25",
                        "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                        "-shortest", clip], check=True)
        body = open(clip, "rb").read()
        uuids = []
        for i in range(a.videos):
            st, h, _ = req("POST", url + "/api/v1/videos/upload-resumable", {"name": f"bench video {i}", "channelId": chan,
                           "filename": "clip.mp4", "privacy": 1}, {"X-Upload-Content-Length": str(len(body))}, tok)
            loc = urllib.parse.urljoin(url + "/", h["Location"])
            st, _, b = req("PUT", loc, body, {"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}"}, tok)
            uuids.append(json.loads(b)["video"]["uuid"])
        t0 = time.time()
        for u in uuids:
            while json.loads(req("GET", f"{url}/api/v1/videos/{u}", token=tok)[2])["state"]["id"] != 1:
                if time.time() - t0 > 1800:
                    sys.exit("videos not published")
                time.sleep(0.5)
        proc.send_signal(signal.SIGTERM); proc.wait()
        boot = start()
        time.sleep(3)
        idle = rss_mb(proc.pid)
        lrps, lp99, lbad = wrk(url + "/api/v1/videos?count=15", a.seconds)
        vrps, vp99, vbad = wrk(f"{url}/api/v1/videos/{uuids[0]}", a.seconds)
        after = rss_mb(proc.pid)
        print(f"backend {a.db}, cache {'off' if a.no_cache else 'on'}, {a.videos} videos, wrk -t2 -c50 -d{a.seconds}s on the same 2 cores")
        print(f"list   GET /api/v1/videos?count=15 : {lrps:8.0f} req/s  p99 {lp99:6.1f} ms  non-2xx {lbad}")
        print(f"single GET /api/v1/videos/{{uuid}}   : {vrps:8.0f} req/s  p99 {vp99:6.1f} ms  non-2xx {vbad}")
        print(f"start to first 200 on /api/v1/config: {boot:.3f} s")
        print(f"RSS idle {idle:.1f} MB, after load {after:.1f} MB ({after / idle:.2f}x idle)")
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if pg:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {pg} WITH (FORCE)"])
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
