"""Every page template at scale (make bench only): builds BENCH_PAGES_N records (default 50,000)
with realistic text lengths, serves them with gunicorn (2 workers), and for each page as an
anonymous reader and as a signed-in authority member prints the time of one request (p50/p95 of
BENCH_PAGES_REQUESTS), its size, and its throughput under wrk (2 threads, 8 connections,
BENCH_PAGES_WRK_SECONDS each) beside a hello-world Flask app measured in the same run; then the
workers' memory (RSS) and a full `flask search reindex`.

Texts: `flask seed scale` records whose long fields are rewritten sentence by sentence from the
demo bundle (seed/demo.json) and the shared evaluation bundles (../shared/eval/dev-bundle.json,
dev2-bundle.json), most a few hundred to a few thousand characters, some up to ~19,000.

SQLite by default; BENCH_DATABASE_URL (or DATABASE_URL when it names PostgreSQL) runs it on
PostgreSQL, whose schema is dropped and created again first. Figures are written to
results-pages.txt (results-pages-postgresql.txt). Nothing here asserts time."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from catalogue import create_app
from catalogue.config import PROJECT_ROOT
from seed.scale import seed_scale
from tests import factories
from tests.conftest import _alembic_upgrade

N = int(os.environ.get("BENCH_PAGES_N", "50000"))
REQUESTS = int(os.environ.get("BENCH_PAGES_REQUESTS", "7"))
WRK_SECONDS = int(os.environ.get("BENCH_PAGES_WRK_SECONDS", "3"))
SHARED = PROJECT_ROOT.parent / "shared" / "eval"
LONGEST = 19_000
SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Long text fields rewritten per table (summaries keep their 500-character limit).
LONG_FIELDS = {
    "deployment": ("impact", "learnings", "barriers", "dropped_detail", "evaluation_findings"),
    "tool": ("description",),
    "offering": ("description",),
    "challenge": ("problem",),
}
HELLO = "from flask import Flask\napp = Flask(__name__)\n\n\n@app.get('/')\ndef hello():\n    return 'hello'\n"


def _database_url(tmp_path: Path) -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or ""
    if not url and os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        url = os.environ["DATABASE_URL"]
    if not url:
        return f"sqlite:///{tmp_path}/pages.db"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


# --- realistic texts ---------------------------------------------------------------------------


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def sentence_pool() -> list[str]:
    """Every sentence of the real records' prose (strings long enough to be prose)."""
    sources = [PROJECT_ROOT / "seed" / "demo.json", SHARED / "dev-bundle.json", SHARED / "dev2-bundle.json"]
    pool: set[str] = set()
    for path in sources:
        if not path.exists():
            continue
        for text in _strings(json.loads(path.read_text())):
            if len(text) >= 60 and " " in text:
                pool.update(s.strip() for s in SENTENCE.split(text) if len(s.strip()) >= 20)
    return sorted(pool)


def long_text(rng: random.Random, pool: list[str]) -> str:
    """Mostly a few hundred to a few thousand characters; about one in fifty near the longest."""
    target = LONGEST * rng.uniform(0.6, 1.0) if rng.random() < 0.02 else min(LONGEST, rng.lognormvariate(6.8, 0.9))
    parts, length = [], 0
    while length < target:
        sentence = rng.choice(pool)
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)


def lengthen(conn: sa.Connection, pool: list[str], seed: int = 20) -> dict[str, float]:
    """Rewrite the long fields of every record; returns the mean length per table."""
    rng = random.Random(seed)
    means = {}
    meta = sa.MetaData()
    for table_name, columns in LONG_FIELDS.items():
        table = sa.Table(table_name, meta, autoload_with=conn)
        ids = [r[0] for r in conn.execute(sa.select(table.c.id))]
        lengths = []
        for i in range(0, len(ids), 1000):
            rows = []
            for record_id in ids[i : i + 1000]:
                row = {"b_id": record_id}
                for column in columns:
                    row[column] = long_text(rng, pool)
                    lengths.append(len(row[column]))
                rows.append(row)
            update = table.update().where(table.c.id == sa.bindparam("b_id"))
            conn.execute(update.values({c: sa.bindparam(c) for c in columns}), rows)
        means[table_name] = statistics.mean(lengths) if lengths else 0.0
    return means


# --- serving and measuring -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Gunicorn:
    def __init__(self, app: str, env: dict[str, str], cwd: Path) -> None:
        self.port = _free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "-w", "2", "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", app], cwd=cwd, env=env
        )
        self.root = f"http://127.0.0.1:{self.port}"

    def wait(self, path: str) -> None:
        for _ in range(300):
            try:
                urllib.request.urlopen(self.root + path, timeout=5).read()  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of the master's worker processes (from /proc)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    status = (stat.parent / "status").read_text()
                    found.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
            except (OSError, AttributeError, IndexError, ValueError):
                continue
        return sorted(found)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def cold_start(env: dict[str, str], refs: dict[str, str]) -> list[str]:
    """Start-up and first views on fresh workers, without and with the warm-up (catalogue.warmup).
    The second start with the warm-up loads the templates' bytecode the first one left on disk."""
    lines = []
    for label, warm in (("no warm-up", "0"), ("warm-up, empty cache", "1"), ("warm-up, bytecode on disk", "1")):
        if label.endswith("empty cache"):  # the reindex and build commands above filled it
            shutil.rmtree(Path(env["INSTANCE_DIR"]) / "template-cache", ignore_errors=True)
        started = time.perf_counter()
        server = Gunicorn("catalogue:create_app({'RATELIMIT_ENABLED': False})", dict(env, WARM_UP=warm), PROJECT_ROOT)
        try:
            server.wait("/healthz")
            ready = (time.perf_counter() - started) * 1000
            firsts = [
                f"{path} {fetch(server.root, path, None)[0]:.0f}"
                for path in (f"/challenges/{refs['challenge']}", "/", "/tools", "/search?q=notes")
            ]
        finally:
            server.stop()
        lines.append(f"cold start ({label}): /healthz after {ready:.0f} ms; first views (ms): {', '.join(firsts)}")
    return lines


def fetch(root: str, path: str, cookie: str | None) -> tuple[float, int, int, bytes]:
    request = urllib.request.Request(root + path, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            body, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return (time.perf_counter() - started) * 1000, status, len(body), body


def wrk(url: str, cookie: str | None) -> float | None:
    if shutil.which("wrk") is None:
        return None
    cmd = ["wrk", "-t2", "-c8", f"-d{WRK_SECONDS}s", "--timeout", "10s", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else 0.0


def _refs(conn: sa.Connection) -> dict[str, str]:
    one = lambda sql: conn.execute(sa.text(sql)).scalar()  # noqa: E731
    return {
        "tool": one("SELECT ref FROM tool ORDER BY id LIMIT 1 OFFSET 7"),
        "deployment": one("SELECT ref FROM deployment WHERE visibility = 'public' ORDER BY id LIMIT 1 OFFSET 11"),
        "dropped": one("SELECT ref FROM deployment WHERE stage = 'dropped' AND visibility = 'public' LIMIT 1"),
        "organisation": one("SELECT ref FROM organisation WHERE kind = 'local-authority' ORDER BY id LIMIT 1"),
        "supplier": one("SELECT ref FROM organisation WHERE kind = 'supplier' ORDER BY id LIMIT 1"),
        "single_view": one("SELECT ref FROM single_view WHERE visibility = 'public' ORDER BY id LIMIT 1"),
        "offering": one("SELECT ref FROM offering WHERE status = 'published' ORDER BY id LIMIT 1"),
        "challenge": one("SELECT ref FROM challenge WHERE status IN ('open', 'market-engagement') ORDER BY id LIMIT 1"),
    }


def pages(refs: dict[str, str], signed_in: bool) -> list[str]:
    found = [
        "/",
        "/tools",
        "/tools?sort=most-used&page=3",
        f"/tools/{refs['tool']}",
        "/deployments",
        "/deployments?stage=pilot&sort=tool&page=5",
        f"/deployments/{refs['deployment']}",
        f"/deployments/{refs['dropped']}",
        "/deployments/dropped",
        "/deployments/dropped?reason=cost&page=2",
        "/organisations",
        f"/organisations/{refs['organisation']}",
        "/single-views",
        f"/single-views/{refs['single_view']}",
        "/challenges",
        f"/challenges/{refs['challenge']}",
        f"/challenges/{refs['challenge']}/matches",
        "/offerings",
        f"/offerings/{refs['offering']}",
        "/suppliers",
        f"/suppliers/{refs['supplier']}",
        "/insights",
        "/insights?region=London",
        "/search?q=case+notes",
        "/partnerships",
        "/about",
    ]
    if signed_in:
        found += ["/account", "/notifications", "/deployments/new", "/challenges/new"]
    return found


def supplier_pages(refs: dict[str, str]) -> list[str]:
    """A supplier's own pages: its dashboard (challenges that fit its offerings) and a challenge."""
    return ["/suppliers/dashboard", f"/suppliers/{refs['supplier']}", f"/challenges/{refs['challenge']}", "/offerings"]


class _Lines(list):
    """The report's lines, each also printed as it is found (a long run shows its progress)."""

    def append(self, line: str) -> None:
        print(line, flush=True)
        super().append(line)

    def __iadd__(self, lines):
        for line in lines:
            self.append(line)
        return self


def _session_cookie(app, user) -> str:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return f"{cookie.key}={cookie.value}"


def test_every_page_at_scale(tmp_path: Path) -> None:
    url = _database_url(tmp_path)
    _alembic_upgrade(url)
    config = {
        "DATABASE_URL": url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "bench-pages",
        "RATELIMIT_ENABLED": False,
        "MAIL_SEND_AFTER_REQUEST": False,
    }
    backend = url.split(":", 1)[0].split("+")[0]
    app = create_app(config)
    lines = _Lines()
    lines += [
        f"page benchmark on {backend}: {N} records, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start; {REQUESTS} requests per page, wrk {WRK_SECONDS} s per page"
    ]
    with app.app_context():
        engine = app.extensions["catalogue.engine"]
        started = time.perf_counter()
        counts = seed_scale(N)
        pool = sentence_pool()
        with engine.begin() as conn:
            means = lengthen(conn, pool)
            longest = conn.execute(sa.text("SELECT max(length(impact)) FROM deployment")).scalar()
            refs = _refs(conn)
            la = conn.execute(
                sa.text("SELECT id FROM organisation WHERE ref = :r"), {"r": refs["organisation"]}
            ).scalar()
            supplier = conn.execute(
                sa.text("SELECT id FROM organisation WHERE ref = :r"), {"r": refs["supplier"]}
            ).scalar()
        lines.append(
            f"records: {counts} from {len(pool)} real sentences in {time.perf_counter() - started:.0f} s; "
            f"mean long-field length {', '.join(f'{k} {v:.0f}' for k, v in means.items())} characters, "
            f"longest {longest}"
        )
        with Session(engine) as session:
            factories.bind(session)
            user = factories.UserFactory(organisation_id=la)
            cookie = _session_cookie(app, user)
            supplier_cookie = _session_cookie(app, factories.UserFactory(organisation_id=supplier))
            factories.bind(None)
    engine.dispose()

    env = dict(
        os.environ,
        DATABASE_URL=url,
        SEARCH_INDEX_DIR=config["SEARCH_INDEX_DIR"],
        INSTANCE_DIR=str(tmp_path),
        SECRET_KEY=config["SECRET_KEY"],
        RATELIMIT_ENABLED="0",
    )
    started = time.perf_counter()
    reindex = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "search", "reindex"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines.append(f"full `flask search reindex`: {time.perf_counter() - started:.1f} s (exit {reindex.returncode})")
    # What a deploy runs before the app servers start: the index snapshot and every stored result.
    started = time.perf_counter()
    built = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "matching", "build"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines.append(
        f"`flask matching build` (index snapshot and stored results): {time.perf_counter() - started:.1f} s "
        f"(exit {built.returncode}; {' '.join(built.stdout.split())})"
    )

    hello_dir = tmp_path / "hello"
    hello_dir.mkdir()
    (hello_dir / "hello_app.py").write_text(HELLO)
    hello = Gunicorn("hello_app:app", dict(os.environ), hello_dir)
    try:
        hello.wait("/")
        floor = wrk(hello.root + "/", None)
    finally:
        hello.stop()
    lines.append(
        f"hello-world Flask floor under wrk: {floor:.0f} req/s" if floor else "wrk not installed: no throughput"
    )

    lines.extend(cold_start(env, refs))
    server = Gunicorn("catalogue:create_app({'RATELIMIT_ENABLED': False})", env, PROJECT_ROOT)
    try:
        server.wait("/healthz")
        challenge = f"/challenges/{refs['challenge']}"
        ms, status, size, body = fetch(server.root, challenge, None)
        preparing = b"Matches are being prepared" in body
        lines.append(
            f"challenge page on a cold worker: {ms:.0f} ms, status {status}, {size} bytes, "
            f"{'says matches are being prepared' if preparing else 'with its matches'}"
        )
        started = time.perf_counter()
        while preparing and time.perf_counter() - started < 900:
            time.sleep(2)
            # Both workers: each builds its own index in the background from its first request.
            preparing = any(b"Matches are being prepared" in fetch(server.root, challenge, None)[3] for _ in range(4))
        lines.append(f"matching index ready in both workers after about {time.perf_counter() - started:.0f} s more")
        lines.append(
            f"{'page':58} {'viewer':9} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'first ms':>9} {'KB':>7} "
            f"{'req/s':>8} {'% floor':>8}"
        )
        walks = [(None, "anonymous", pages(refs, False)), (cookie, "authority", pages(refs, True))]
        walks.append((supplier_cookie, "supplier", supplier_pages(refs)))
        for viewer, who, paths in walks:
            for path in paths:
                first, status, size, _body = fetch(server.root, path, viewer)
                times = [fetch(server.root, path, viewer)[0] for _ in range(REQUESTS)]
                rate = wrk(server.root + path, viewer) if floor else None
                share = f"{rate / floor * 100:.1f}" if rate is not None and floor else "-"
                lines.append(
                    f"{path[:58]:58} {who:9} {status:>6} {_percentile(times, 50):8.0f} {_percentile(times, 95):8.0f} "
                    f"{first:9.0f} {size / 1024:7.0f} {f'{rate:.1f}' if rate is not None else '-':>8} {share:>8}"
                )
        lines.append("worker memory (RSS) after the run: " + ", ".join(f"{mb:.0f} MB" for mb in server.worker_rss_mb()))
    finally:
        server.stop()
    text = "\n".join(lines)
    print("\n" + text)
    name = "results-pages.txt" if backend == "sqlite" else f"results-pages-{backend}.txt"
    Path(__file__).with_name(name).write_text(text + "\n")
