#!/usr/bin/env python3
"""Scale-out benchmark (not a test): the large form on one machine. A release build runs as
`--role web` nodes and one `--role worker` on a PostgreSQL database and Redis, behind Debian's
nginx with the shipped deploy/nginx.conf (only its upstreams and listen address replaced, as the
tests do). N small videos are published, then wrk (2 threads, 50 connections) measures through
nginx, with one web node and then two:

  list   GET /api/v1/videos?count=15
  video  GET /api/v1/videos/{uuid}
  watch  GET /w/{uuid}            (the watch page's HTML)

and, for scale, the same list straight to one node (no proxy). Everything shares this machine's
cores (wrk, nginx, the nodes), so on a small machine a second node cannot add CPU: `--pin` puts
each node on a core of its own (taskset). What scales is read from the CPU the nodes and nginx
spend per request (requests per CPU-second, from /proc), printed too, with the 2-node / 1-node
ratios; exits 0 whatever they are.

    python3 bench/cluster_bench.py [--videos 20] [--seconds 10] [--pin]
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_bench import BIN, PW, ROOT, free_port, req, rss_mb, wrk  # noqa: E402


def nginx_conf(port, upstreams, d):
    """The shipped server block with its upstreams and listen address replaced."""
    block, in_up = [], False
    for line in open(os.path.join(ROOT, "deploy", "nginx.conf")):
        t = line.strip()
        if t.startswith("upstream ferrotube"):
            in_up = True
            block.append(line)
            block += [f"    server {u} max_fails=1 fail_timeout=5s;\n" for u in upstreams]
            continue
        if in_up and t.startswith("server "):
            continue
        if in_up and t == "}":
            in_up = False
        block.append(f"    listen 127.0.0.1:{port};\n" if t == "listen 80;" else line)
    temps = "".join(f"  {k}_temp_path {d}/{k};\n" for k in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    return (f"daemon off;\nworker_processes auto;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n"
            f"events {{ worker_connections 4096; }}\nhttp {{\n  access_log off;\n{temps}{''.join(block)}}}\n")


def cpu_secs(pids):
    """User + system CPU seconds the processes (and an nginx master's workers) have used."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        for p in [pid] + [int(k) for k in kids]:
            try:
                fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except OSError:
                pass
    return total


def wait_up(url, proc, what):
    t0 = time.time()
    while time.time() - t0 < 60:
        if proc.poll() is not None:
            sys.exit(f"{what} exited")
        try:
            if req("GET", url + "/api/v1/config")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"{what} did not answer")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--pin", action="store_true", help="each web node on a core of its own")
    a = ap.parse_args()
    for tool in ["wrk", "nginx", "psql"]:
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"{tool} is needed (scripts/install-deps.sh --test installs nginx; apt-get install wrk)")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "ferrotube"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="ftcluster-")
    data = os.path.join(tmp, "data")
    os.makedirs(data)
    db = f"ftcluster_{os.getpid()}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {db}"], check=True)
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    cfg = os.path.join(tmp, "config.toml")
    with open(cfg, "w") as f:
        f.write("[transcoding]\nresolutions = [144]\n")
    env = dict(os.environ, FERROTUBE_PUBLIC_URL=public, FERROTUBE_DATA_DIR=data, FERROTUBE_CONFIG=cfg,
               FERROTUBE_INITIAL_ROOT_PASSWORD=PW, RUST_LOG="warn",
               FERROTUBE_DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
               FERROTUBE_REDIS_URL="redis://127.0.0.1:6379")
    procs, nginx = [], None

    def node(role, cpu=None):
        port = free_port()
        cmd = [BIN, "serve"]
        if cpu is not None and a.pin:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        p = subprocess.Popen(cmd, env=dict(env, FERROTUBE_ROLE=role, FERROTUBE_LISTEN=f"127.0.0.1:{port}"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(p)
        url = f"http://127.0.0.1:{port}"
        if role == "web":
            wait_up(url, p, f"web node {url}")
        return p, url

    def proxy(upstreams):
        nonlocal nginx
        if nginx:
            nginx.send_signal(signal.SIGTERM); nginx.wait()
        d = os.path.join(tmp, f"nginx-{len(upstreams)}")
        os.makedirs(d, exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(proxy_port, [u.removeprefix("http://") for u in upstreams], d))
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_up(public, nginx, "nginx")

    try:
        a_proc, a_url = node("web", cpu=0)
        worker, _ = node("worker")
        proxy([a_url])
        # Through the proxy: the upload's Location names the public URL.
        a_url_direct, a_url = a_url, public
        c = json.loads(req("GET", a_url + "/api/v1/oauth-clients/local")[2])
        form = urllib.parse.urlencode(dict(client_id=c["client_id"], client_secret=c["client_secret"], grant_type="password",
                                           username="root", password=PW)).encode()
        tok = json.loads(req("POST", a_url + "/api/v1/users/token", form,
                             {"Content-Type": "application/x-www-form-urlencoded"})[2])["access_token"]
        chan = json.loads(req("GET", a_url + "/api/v1/users/me", token=tok)[2])["videoChannels"][0]["id"]
        clip = os.path.join(tmp, "clip.mp4")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=256x144:rate=25",
                        "-f", "lavfi", "-i", "sine=duration=1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                        "-shortest", clip], check=True)
        body = open(clip, "rb").read()
        uuids = []
        for i in range(a.videos):
            st, h, _ = req("POST", a_url + "/api/v1/videos/upload-resumable", {"name": f"cluster video {i}", "channelId": chan,
                           "filename": "clip.mp4", "privacy": 1}, {"X-Upload-Content-Length": str(len(body))}, tok)
            loc = urllib.parse.urljoin(a_url + "/", h["Location"])
            st, _, b = req("PUT", loc, body, {"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}"}, tok)
            uuids.append(json.loads(b)["video"]["uuid"])
        t0 = time.time()
        for u in uuids:
            while json.loads(req("GET", f"{a_url}/api/v1/videos/{u}", token=tok)[2])["state"]["id"] != 1:
                if time.time() - t0 > 900:
                    sys.exit("videos not published")
                time.sleep(0.5)
        # The worker is idle from here on; stop it so it takes no CPU from the web nodes.
        worker.send_signal(signal.SIGTERM); worker.wait()

        web_pids = []

        def measured(url):
            """wrk on `url`, with the CPU seconds the web nodes and nginx spent meanwhile."""
            before = (cpu_secs(web_pids), cpu_secs([nginx.pid]))
            rps, p99, bad = wrk(url, a.seconds)
            nodes, proxy_cpu = cpu_secs(web_pids) - before[0], cpu_secs([nginx.pid]) - before[1]
            n = rps * a.seconds
            return rps, p99, bad, n / max(nodes, 1e-9), n / max(proxy_cpu, 1e-9)

        paths = {"list": "/api/v1/videos?count=15", "video": f"/api/v1/videos/{uuids[0]}", "watch": f"/w/{uuids[0]}"}
        results = {}
        a_url = a_url_direct
        web_pids.append(a_proc.pid)
        direct = wrk(a_url + paths["list"], a.seconds)
        results[1] = {k: measured(public + p) for k, p in paths.items()}
        b_proc, b_url = node("web", cpu=1)
        web_pids.append(b_proc.pid)
        proxy([a_url, b_url])
        results[2] = {k: measured(public + p) for k, p in paths.items()}
        rss = [rss_mb(p.pid) for p in procs if p.poll() is None]

        print(f"{a.videos} videos, PostgreSQL + Redis, wrk -t2 -c50 -d{a.seconds}s, nginx worker_processes auto, "
              f"{os.cpu_count()} cores shared by all; nodes {'pinned one per core' if a.pin else 'not pinned'}")
        print(f"straight to one node  list : {direct[0]:8.0f} req/s  p99 {direct[1]:6.1f} ms  non-2xx {direct[2]}")
        for name in paths:
            one, two = results[1][name], results[2][name]
            print(f"through nginx {name:6s}: 1 node {one[0]:8.0f} req/s (p99 {one[1]:5.1f} ms, non-2xx {one[2]})  "
                  f"2 nodes {two[0]:8.0f} req/s (p99 {two[1]:5.1f} ms, non-2xx {two[2]})  ratio {two[0] / one[0]:.2f}")
        print("requests per CPU-second (2-node runs): " + ", ".join(
            f"{name}: web nodes {results[2][name][3]:.0f}, nginx {results[2][name][4]:.0f}" for name in paths))
        print("web nodes' RSS after load: " + ", ".join(f"{r:.1f} MB" for r in rss))
    finally:
        for p in procs + ([nginx] if nginx else []):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
