"""Load and fault benchmark (make bench only): gunicorn with 2 workers on SQLite, mixed reads and
writes from 32 connections for BENCH_LOAD_SECONDS (default 300), then faults:

1. steady load: zero errors, and every write the server acknowledged is in the database;
2. kill -9 a worker while writes are in flight: the master replaces it, the database stays whole
   (PRAGMA integrity_check), every acknowledged write is there, search has no drift after catch-up;
3. kill -9 `flask bundle import` midway: nothing half-imported (all or nothing), the database
   stays whole, and `flask search check` finds no drift after catch-up.

Figures are printed and written to tests/benchmarks/results-load.txt. Nothing here asserts time."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from catalogue.config import PROJECT_ROOT

RESULTS = Path(__file__).with_name("results-load.txt")
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "300"))
FAULT_SECONDS = float(os.environ.get("BENCH_FAULT_SECONDS", "30"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "32"))
WRITE_SHARE = 0.2
READS = ["/", "/tools", "/deployments", "/deployments/dropped", "/challenges", "/offerings", "/search?q=transcription"]
PASSWORD = "saffron meadow under grey skies"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _flask(env: dict[str, str], *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], workers: int = 2, threads: int = 8) -> None:
        self.port = _free_port()
        self.log = open(Path(env["INSTANCE_DIR"]) / "gunicorn.log", "a")  # noqa: SIM115
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "10",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        raise RuntimeError("server did not start")

    def workers(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@dataclass
class Tally:
    reads: int = 0
    writes: int = 0
    errors: list[str] = field(default_factory=list)
    dropped: int = 0  # connection errors while a fault was being injected
    acknowledged_users: list[str] = field(default_factory=list)
    acknowledged_orgs: list[str] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """One keep-alive connection with its own cookies, as one browser tab would be."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data


def _worker(port: int, stop: threading.Event, tally: Tally, faulting: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    client = Client(port)
    while not stop.is_set():
        try:
            if rng.random() < WRITE_SHARE:
                started = time.perf_counter()
                status, page = client.request("GET", "/account/sign-up")
                token = CSRF.search(page).group(1) if status == 200 and CSRF.search(page) else ""
                email = f"load-{uuid.uuid4().hex[:12]}@example.org"
                form = {"csrf_token": token, "display_name": "Load Tester", "email": email, "password": PASSWORD}
                org = None
                if rng.random() < 0.5:
                    org = f"Load Supplier {uuid.uuid4().hex[:10]}"
                    form |= {
                        "organisation_choice": "new",
                        "new_organisation_name": org,
                        "new_organisation_kind": "supplier",
                    }
                else:
                    form |= {"organisation_choice": "existing", "organisation_ref": "la-northmoor"}
                status, _ = client.request("POST", "/account/sign-up", urlencode(form))
                with tally.lock:
                    if status == 303:
                        tally.writes += 1
                        tally.acknowledged_users.append(email)
                        if org:
                            tally.acknowledged_orgs.append(org)
                        tally.write_ms.append((time.perf_counter() - started) * 1000)
                    else:
                        tally.errors.append(f"sign-up -> {status}")
            else:
                path = rng.choice(READS)
                started = time.perf_counter()
                status, _ = client.request("GET", path)
                with tally.lock:
                    if status == 200:
                        tally.reads += 1
                        tally.read_ms.append((time.perf_counter() - started) * 1000)
                    else:
                        tally.errors.append(f"GET {path} -> {status}")
        except (OSError, http.client.HTTPException, AttributeError) as exc:
            with tally.lock:
                if faulting.is_set():
                    tally.dropped += 1
                else:
                    tally.errors.append(f"{type(exc).__name__}: {exc}")
    client.conn.close()


def _load(port: int, seconds: float, fault: callable | None = None) -> tuple[Tally, float]:
    tally, stop, faulting = Tally(), threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=_worker, args=(port, stop, tally, faulting, i), daemon=True) for i in range(CONNECTIONS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    if fault is not None:
        time.sleep(seconds / 3)
        faulting.set()
        fault()
        time.sleep(5)  # connections cut by the kill fail within this window; later ones must not
        faulting.clear()
        time.sleep(max(0.0, seconds - (time.perf_counter() - started)))
    else:
        time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=180)
    return tally, time.perf_counter() - started


def _missing(db_path: Path, tally: Tally) -> tuple[list[str], list[str]]:
    with sqlite3.connect(db_path) as conn:
        emails = {row[0] for row in conn.execute("SELECT email FROM user_account")}
        orgs = {row[0] for row in conn.execute("SELECT name FROM organisation")}
    return [e for e in tally.acknowledged_users if e not in emails], [
        o for o in tally.acknowledged_orgs if o not in orgs
    ]


def _integrity(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    return "ok" if result == [("ok",)] and not fk else f"{result} {fk[:5]}"


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def _summary(name: str, tally: Tally, elapsed: float) -> str:
    return (
        f"{name}: {elapsed:.0f} s, {CONNECTIONS} connections: {tally.reads} reads ({tally.reads / elapsed:.1f}/s, "
        f"median {statistics.median(tally.read_ms or [0]):.0f} ms, p95 {_pct(tally.read_ms, 0.95):.0f} ms), "
        f"{tally.writes} acknowledged writes ({tally.writes / elapsed:.1f}/s, median "
        f"{statistics.median(tally.write_ms or [0]):.0f} ms, p95 {_pct(tally.write_ms, 0.95):.0f} ms), "
        f"{len(tally.errors)} errors"
    )


def test_load_and_faults(tmp_path: Path) -> None:
    db_path = tmp_path / "load.db"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        INSTANCE_DIR=str(tmp_path),
        SEARCH_INDEX_DIR=str(tmp_path / "index"),
        SECRET_KEY="load-bench",
        RATELIMIT_ENABLED="0",
        MAIL_SEND_AFTER_REQUEST="0",
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
    )
    env.pop("TEST_DATABASE_URL", None)
    _flask(env, "db", "upgrade")
    _flask(env, "seed", "demo")
    _flask(env, "search", "reindex")
    lines = []

    # 1. Steady mixed load.
    server = Server(env)
    try:
        tally, elapsed = _load(server.port, SECONDS)
    finally:
        server.stop()
    lines.append(_summary("steady load", tally, elapsed))
    missing_users, missing_orgs = _missing(db_path, tally)
    lines.append(f"  acknowledged writes missing afterwards: {len(missing_users) + len(missing_orgs)}")
    assert not tally.errors, tally.errors[:20]
    assert not missing_users and not missing_orgs

    # 2. kill -9 one worker while writes are in flight.
    server = Server(env)
    killed: list[int] = []

    def kill_a_worker() -> None:
        pid = server.workers()[0]
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    try:
        fault_tally, elapsed = _load(server.port, FAULT_SECONDS, fault=kill_a_worker)
        replaced = killed[0] not in server.workers() and len(server.workers()) == 2
    finally:
        server.stop()
    lines.append(_summary("kill -9 a worker mid-write", fault_tally, elapsed))
    integrity = _integrity(db_path)
    missing_users, missing_orgs = _missing(db_path, fault_tally)
    check = _flask(env, "search", "check", check=False)
    lines.append(
        f"  connections cut by the kill: {fault_tally.dropped}; worker replaced: {replaced}; "
        f"integrity_check: {integrity}; acknowledged writes missing: {len(missing_users) + len(missing_orgs)}; "
        f"search check: {check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr[-200:]}"
    )
    assert integrity == "ok"
    assert not fault_tally.errors, fault_tally.errors[:20]
    assert not missing_users and not missing_orgs
    assert replaced
    assert check.returncode == 0, check.stdout

    # 3. kill -9 a bundle import midway: all or nothing, and search catches up without drift.
    bundle = tmp_path / "import.json"
    bundle.write_text(json.dumps(_big_bundle(int(os.environ.get("BENCH_IMPORT_COPIES", "30")))))
    before = _counts(db_path)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "bundle", "import", str(bundle)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(float(os.environ.get("BENCH_IMPORT_KILL_AFTER", "3")))
    finished_before_kill = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    killed_after = time.perf_counter() - started
    process.wait()
    after_kill = _counts(db_path)
    integrity = _integrity(db_path)
    all_or_nothing = after_kill == before or finished_before_kill
    _flask(env, "search", "sync")
    check = _flask(env, "search", "check", check=False)
    completed = _flask(env, "bundle", "import", str(bundle), check=False)
    after_retry = _counts(db_path)
    check_after = _flask(env, "search", "check", check=False)
    lines.append(
        f"kill -9 bundle import of {_counts_text(bundle)} after {killed_after:.1f} s "
        f"(finished before the kill: {finished_before_kill}): rows before {before}, after the kill {after_kill}; "
        f"integrity_check: {integrity}; search check after catch-up: exit {check.returncode}; "
        f"import again: exit {completed.returncode}, rows {after_retry}; search check: exit {check_after.returncode}"
    )
    text = "\n".join(lines)
    print("\n" + text)
    RESULTS.write_text(text + "\n")
    assert integrity == "ok"
    assert all_or_nothing, f"half an import survived: {before} -> {after_kill}"
    assert check.returncode == 0, check.stdout
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert after_retry["deployment"] > before["deployment"]
    assert check_after.returncode == 0, check_after.stdout


def _big_bundle(copies: int) -> dict:
    """The demo bundle `copies` times over, under new refs and names, so the import adds records
    (and takes long enough to be killed midway)."""
    source = (PROJECT_ROOT / "seed" / "demo.json").read_text()
    refs = sorted(set(re.findall(r'"ref": "([^"]+)"', source)), key=len, reverse=True)
    big: dict = {}
    for copy in range(copies):
        text = source
        for ref in refs:
            text = text.replace(f'"{ref}"', f'"{ref}-load{copy}"')
        data = json.loads(text)
        for section in ("organisations", "tools", "offerings"):
            for record in data.get(section, []):
                record["name"] = f"{record['name']} (load copy {copy})"
        if not big:
            big = data
        else:
            for key, value in data.items():
                if isinstance(value, list):
                    big[key].extend(value)
    return big


def _counts_text(bundle: Path) -> str:
    data = json.loads(bundle.read_text())
    return f"{sum(len(v) for v in data.values() if isinstance(v, list))} records"


def _counts(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("organisation", "tool", "deployment", "offering", "challenge")
        }
