#!/usr/bin/env python3
"""Catalogue benchmark (not a test): how search, the video list and the watch page hold up when an
instance knows 100,000 videos instead of 100. For each size, a release instance (public answer
cache off, so every request reaches the database) gets one real uploaded video, then the rest are
generated as rows (names, descriptions and tags drawn from a made-up vocabulary with a Zipf-like
spread, inserted with plain SQL so the search index triggers run as for real videos). Then, one
request at a time over a keep-alive connection:

- search: `GET /api/v1/search/videos?search=...` with one or two words or a 3-letter prefix;
- list: `GET /api/v1/videos?count=15` (first page, newest first);
- watch page: `GET /w/{uuid}` of random videos;

p50 and p99 of each (and of the worst search: the commonest word, in nearly every video), and the
size of the full-text index (SQLite: FTS5's tables from `dbstat`; PostgreSQL:
`pg_total_relation_size('video_search')` after VACUUM FULL). Prints figures; exits 0 whatever they are.

    python3 bench/catalogue_bench.py [sqlite|postgres] [--videos 100000] [--queries 400]
"""
import argparse, csv, http.client, json, os, random, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.parse, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "ferrotube")
PW = "bench-root-password"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def vocabulary(rng, n=20000):
    """Made-up words of 1 to 3 syllables (70 consonant-vowel pairs, some closed by a consonant)."""
    pairs = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(pairs) + (rng.choice("nrst") if rng.random() < 0.3 else "") for _ in range(rng.randint(1, 3))))
    words = sorted(words)
    rng.shuffle(words)  # Zipf ranks fall on words of every shape
    return words


class Zipf:
    """Word i drawn with weight 1/(i+1): a few words are everywhere, most are rare."""

    def __init__(self, words, rng):
        self.words, self.rng = words, rng
        self.cum, total = [], 0.0
        for i in range(len(words)):
            total += 1.0 / (i + 1)
            self.cum.append(total)
        self.total = total

    def draw(self):
        import bisect
        return self.words[bisect.bisect(self.cum, self.rng.random() * self.total)]

    def text(self, n):
        return " ".join(self.draw() for _ in range(n))


class Instance:
    def __init__(self, db, cache_off=True):
        self.db = db
        self.port = free_port(); self.url = f"http://127.0.0.1:{self.port}"
        self.data = tempfile.mkdtemp(prefix="ftcat-")
        self.env = dict(os.environ, FERROTUBE_LISTEN=f"127.0.0.1:{self.port}", FERROTUBE_PUBLIC_URL=self.url,
                        FERROTUBE_DATA_DIR=self.data, FERROTUBE_INITIAL_ROOT_PASSWORD=PW, RUST_LOG="warn")
        self.pg = None
        if db == "postgres":
            self.pg = f"ftcat_{os.getpid()}_{self.port}"
            subprocess.run(PSQL + ["-c", f"CREATE DATABASE {self.pg}"], check=True)
            self.env["FERROTUBE_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.pg}"
        cfg = os.path.join(self.data, "bench.toml")
        with open(cfg, "w") as f:
            f.write("[cache]\npublic_api_ttl_ms = 0\n" if cache_off else "")
        self.args = [BIN, "serve", "--config", cfg]
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(3000):
            try:
                if self.req("GET", "/api/v1/config")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.01)
        sys.exit("the instance did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def close(self):
        self.stop()
        if self.pg:
            subprocess.run(PSQL + ["-c", f"DROP DATABASE IF EXISTS {self.pg} WITH (FORCE)"])
        shutil.rmtree(self.data, ignore_errors=True)

    def req(self, method, path, data=None, headers=None, token=None):
        import urllib.request
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if isinstance(data, dict):
            data = json.dumps(data).encode(); h["Content-Type"] = "application/json"
        r = urllib.request.Request(self.url + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(r, timeout=60) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()


def sqlite_path(inst):
    for name in os.listdir(inst.data):
        if name.endswith(".db") or name.endswith(".sqlite"):
            return os.path.join(inst.data, name)
    sys.exit(f"no SQLite file in {inst.data}: {os.listdir(inst.data)}")


def populate(inst, n, rng, words):
    """One real video through the API, then n-1 generated rows in the same channel."""
    c = json.loads(inst.req("GET", "/api/v1/oauth-clients/local")[2])
    form = urllib.parse.urlencode(dict(client_id=c["client_id"], client_secret=c["client_secret"], grant_type="password",
                                       username="root", password=PW)).encode()
    tok = json.loads(inst.req("POST", "/api/v1/users/token", form, {"Content-Type": "application/x-www-form-urlencoded"})[2])["access_token"]
    chan = json.loads(inst.req("GET", "/api/v1/users/me", token=tok)[2])["videoChannels"][0]["id"]
    clip = os.path.join(inst.data, "clip.mp4")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=256x144:rate=25",
                    "-c:v", "libx264", "-preset", "ultrafast", clip], check=True)
    body = open(clip, "rb").read()
    st, h, _ = inst.req("POST", "/api/v1/videos/upload-resumable", {"name": "the real one", "channelId": chan,
                        "filename": "clip.mp4", "privacy": 1}, {"X-Upload-Content-Length": str(len(body))}, tok)
    parts = urllib.parse.urlsplit(urllib.parse.urljoin(inst.url + "/", h["Location"]))
    loc = parts.path + (f"?{parts.query}" if parts.query else "")
    st, _, b = inst.req("PUT", loc, body, {"Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}"}, tok)
    real = json.loads(b)["video"]["uuid"]
    t0 = time.time()
    while json.loads(inst.req("GET", f"/api/v1/videos/{real}", token=tok)[2])["state"]["id"] != 1:
        if time.time() - t0 > 300:
            sys.exit("the real video was not published")
        time.sleep(0.3)
    inst.stop()

    zipf = Zipf(words, rng)
    now = int(time.time() * 1000)
    rows, tags = [], []
    for i in range(n - 1):
        u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        at = now - (n - i) * 60_000
        rows.append((u, chan, zipf.text(rng.randint(2, 6)), zipf.text(rng.randint(10, 60)), 1, 1, at, at, at, rng.randint(5, 3600), rng.randint(0, 10000), 0))
        for p, t in enumerate(rng.sample(words[:500], rng.randint(0, 4))):
            tags.append((u, p, t))
    cols = "uuid, channel_id, name, description, privacy, state, published_at, created_at, updated_at, duration, views, wait_transcoding"
    t0 = time.time()
    if inst.pg:
        vf, tf = os.path.join(inst.data, "videos.csv"), os.path.join(inst.data, "tags.csv")
        with open(vf, "w", newline="") as f:
            csv.writer(f).writerows([r[:-1] + ("false",) for r in rows])
        with open(tf, "w", newline="") as f:
            csv.writer(f).writerows(tags)
        script = os.path.join(inst.data, "load.sql")
        with open(script, "w") as f:
            f.write(f"\\copy videos ({cols}) FROM '{vf}' CSV\n")
            f.write("CREATE TEMP TABLE gen_tags (uuid TEXT, position BIGINT, tag TEXT);\n")
            f.write(f"\\copy gen_tags FROM '{tf}' CSV\n")
            f.write("INSERT INTO video_tags (video_id, position, tag) SELECT v.id, g.position, g.tag FROM gen_tags g JOIN videos v ON v.uuid = g.uuid;\n")
            f.write("ANALYZE;\n")
        subprocess.run(PSQL + ["-d", inst.pg, "-f", script], check=True)
    else:
        con = sqlite3.connect(sqlite_path(inst))
        with con:
            con.executemany(f"INSERT INTO videos ({cols}) VALUES ({','.join('?' * 12)})", rows)
            con.executemany("INSERT INTO video_tags (video_id, position, tag) SELECT id, ?, ? FROM videos WHERE uuid = ?",
                            [(p, t, u) for (u, p, t) in tags])
        con.execute("ANALYZE"); con.close()
    load_s = time.time() - t0
    return real, [r[0] for r in rows], load_s


def index_bytes(inst):
    if inst.pg:
        # At rest: the load's tag inserts each rewrote a row of the index table (dead rows that
        # autovacuum reclaims for reuse); VACUUM FULL shows the size those rows come back to.
        subprocess.run(PSQL + ["-d", inst.pg, "-c", "VACUUM FULL video_search"], check=True)
        out = subprocess.run(PSQL + ["-d", inst.pg, "-Atc", "SELECT pg_total_relation_size('video_search'), pg_total_relation_size('videos')"],
                             check=True, capture_output=True, text=True).stdout.strip().split("|")
        return int(out[0]), int(out[1])
    con = sqlite3.connect(sqlite_path(inst))
    try:
        idx = con.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'video_search%'").fetchone()[0]
        vids = con.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'videos'").fetchone()[0]
    except sqlite3.OperationalError:
        idx = vids = -1
    con.close()
    return idx or 0, vids or 0


def timed(inst, paths):
    conn = http.client.HTTPConnection("127.0.0.1", inst.port, timeout=60)
    lat, hits = [], 0
    for p in paths:
        t0 = time.perf_counter()
        conn.request("GET", p)
        r = conn.getresponse(); body = r.read()
        lat.append((time.perf_counter() - t0) * 1000)
        if r.status != 200:
            sys.exit(f"GET {p}: {r.status} {body[:200]!r}")
        if p.startswith("/api/v1/search"):
            hits += json.loads(body)["total"] > 0
    conn.close()
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    return pct(0.5), pct(0.99), hits


def measure(db, n, queries, seed):
    rng = random.Random(seed)
    words = vocabulary(rng)
    inst = Instance(db)
    try:
        inst.start()
        real, generated, load_s = populate(inst, n, rng, words)
        inst.start()
        zipf = Zipf(words, rng)
        searches = []
        for i in range(queries):
            kind = i % 5
            q = zipf.draw()[:3] if kind == 4 else (zipf.draw() if kind < 2 else f"{zipf.draw()} {zipf.draw()}")
            searches.append("/api/v1/search/videos?count=15&search=" + urllib.parse.quote(q))
        # The worst case: the commonest word, in nearly every description.
        worst = ["/api/v1/search/videos?count=15&search=" + urllib.parse.quote(words[0])] * max(20, queries // 8)
        pool = generated or [real]
        watches = ["/w/" + rng.choice(pool) for _ in range(queries)]
        timed(inst, searches[:20]); timed(inst, watches[:20])  # warm up
        s50, s99, hits = timed(inst, searches)
        x50, x99, _ = timed(inst, worst)
        l50, l99, _ = timed(inst, ["/api/v1/videos?count=15&sort=-publishedAt"] * queries)
        w50, w99, _ = timed(inst, watches)
        inst.stop()
        idx, vids = index_bytes(inst)
        return dict(n=n, load_s=load_s, s50=s50, s99=s99, hits=hits, x50=x50, x99=x99, l50=l50, l99=l99, w50=w50, w99=w99, idx=idx, vids=vids)
    finally:
        inst.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    ap.add_argument("--videos", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=400)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "ferrotube"], cwd=ROOT, check=True)
    results = [measure(a.db, n, a.queries, seed=7) for n in (100, a.videos)]
    print(f"backend {a.db}, public cache off, {a.queries} sequential requests per figure (keep-alive), latencies in ms")
    print(f"{'videos':>8} {'search p50':>10} {'p99':>7} {'found':>6} {'list p50':>9} {'p99':>7} {'watch p50':>10} {'p99':>7} {'index MB':>9} {'videos MB':>9} {'load s':>7}")
    for r in results:
        print(f"{r['n']:>8} {r['s50']:>10.2f} {r['s99']:>7.2f} {r['hits']:>6} {r['l50']:>9.2f} {r['l99']:>7.2f} {r['w50']:>10.2f} {r['w99']:>7.2f} "
              f"{r['idx'] / 1e6:>9.1f} {r['vids'] / 1e6:>9.1f} {r['load_s']:>7.1f}")
    for r in results:
        print(f"{r['n']:>8} videos, the commonest word: p50 {r['x50']:.2f} ms, p99 {r['x99']:.2f} ms")
    small, big = results
    print(f"ratio {big['n']}/{small['n']} videos: search p99 {big['s99'] / small['s99']:.2f}x, list p99 {big['l99'] / small['l99']:.2f}x, "
          f"watch p99 {big['w99'] / small['w99']:.2f}x")


if __name__ == "__main__":
    main()
