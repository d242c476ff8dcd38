#!/usr/bin/env python3
"""Page benchmark (not a test): start a release instance, publish N small videos, then for each
anonymous page report its HTML size, the gzipped size of the scripts it loads, and, with wrk
(50 connections, 2 threads, on the same 2 cores as the server), requests per second and the p99
latency (time to the whole answer, so an upper bound of the first byte). Prints figures; exits 0
whatever they are.

    python3 bench/pages_bench.py [--videos 30] [--seconds 10]
"""
import argparse, gzip, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_bench import BIN, PW, ROOT, free_port, req, wrk  # noqa: E402


def scripts_gz(url, html):
    total = 0
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
        st, h, body = req("GET", urllib.parse.urljoin(url + "/", src), headers={"Accept-Encoding": "identity"})
        if st == 200:
            total += len(gzip.compress(body, 9))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=30)
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "ferrotube"], cwd=ROOT, check=True)
    port = free_port(); url = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="ftpages-")
    env = dict(os.environ, FERROTUBE_LISTEN=f"127.0.0.1:{port}", FERROTUBE_PUBLIC_URL=url, FERROTUBE_DATA_DIR=data,
               FERROTUBE_INITIAL_ROOT_PASSWORD=PW, RUST_LOG="warn")
    proc = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if req("GET", url + "/api/v1/config")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.02)
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
        shorts = []
        for i in range(a.videos):
            st, h, _ = req("POST", url + "/api/v1/videos/upload-resumable", {"name": f"bench video {i}", "channelId": chan,
                           "filename": "clip.mp4", "privacy": 1, "category": 1 + i % 3}, {"X-Upload-Content-Length": str(len(body))}, tok)
            loc = urllib.parse.urljoin(url + "/", h["Location"])
            st, _, b = req("PUT", loc, body, {"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}"}, tok)
            shorts.append(json.loads(b)["video"]["shortUUID"])
        t0 = time.time()
        for s in shorts:
            while json.loads(req("GET", f"{url}/api/v1/videos/{s}", token=tok)[2])["state"]["id"] != 1:
                if time.time() - t0 > 1800:
                    sys.exit("videos not published")
                time.sleep(0.5)
        pages = ["/", "/videos/trending", "/videos/recently-added", "/videos/local", "/search?search=bench",
                 "/c/root_channel", "/a/root", "/about/instance", "/login", "/signup", f"/w/{shorts[0]}"]
        print(f"{a.videos} videos, anonymous reader, wrk -t2 -c50 -d{a.seconds}s on the same 2 cores as the server")
        print(f"{'page':28} {'status':>6} {'HTML KB':>8} {'script gz KB':>13} {'req/s':>9} {'p99 ms':>7}")
        for p in pages:
            st, _, html = req("GET", url + p)
            text = html.decode("utf-8", "replace")
            js = scripts_gz(url, text) if st == 200 else 0
            rps, p99, bad = wrk(url + p, a.seconds) if st == 200 else (0, 0, 0)
            print(f"{p[:28]:28} {st:>6} {len(html) / 1024:8.1f} {js / 1024:13.1f} {rps:9.0f} {p99:7.2f}" + (f"  non-2xx {bad}" if bad else ""))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
