"""What both drills share: free ports, the service binary and its replicas, a steady write
load (partner registrations and needs, each POST with an Idempotency-Key and retried with the
same key until it is acknowledged), and the check of the acknowledged writes against the
database. Python 3.11 standard library only; `psql` for the database."""

from __future__ import annotations

import base64
import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "debug" / "beteiligung"
JWT_SECRET = "drill-secret-0123456789abcdef0123456789abcdef"
PARTNER_CLIENT_ID = "0190f1a0-0000-7000-8000-00000000d002"
PARTNER_CLIENT_SECRET = "drill-partner-secret"
CONSULTATION = "integrationskonzept-sachsen-anhalt"
# How long one write is retried (same key) before it counts as failed.
RETRY_BUDGET = 30.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_binary() -> None:
    """Builds the debug binary when it is missing (CI has built it before)."""
    if not BINARY.exists():
        log("building target/debug/beteiligung")
        subprocess.run(["cargo", "build", "--locked", "--quiet"], cwd=ROOT, check=True)


def wait_for(what: str, check, timeout: float = 30.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SystemExit(f"drill: timed out waiting for {what}")
        time.sleep(every)


def request(method: str, port: int, path: str, body: bytes | None = None,
         headers: dict | None = None, timeout: float = 15.0):
    """One request on a fresh connection: (status, headers by lower-case name, body), or None when the
    connection failed (refused, reset, closed without an answer)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


class Replica:
    """One process of the service on its own port."""

    def __init__(self, name: str, database_url: str, logs: Path, extra: dict | None = None):
        self.name = name
        self.port = free_port()
        self.database_url = database_url
        self.logs = logs
        self.extra = extra or {}
        self.process: subprocess.Popen | None = None

    def env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.database_url,
            "BIND_ADDR": f"127.0.0.1:{self.port}",
            "JWT_SECRET": JWT_SECRET,
            "DEMO_PARTNER_CLIENT_ID": PARTNER_CLIENT_ID,
            "DEMO_PARTNER_CLIENT_SECRET": PARTNER_CLIENT_SECRET,
            "RATE_LIMIT_ANONYMOUS": "1000000/min",
            "RATE_LIMIT_SENSITIVE": "1000000/min",
            "RATE_LIMIT_TOKEN": "1000000/min",
            "HTTP_WORKERS": "2",
            "DB_POOL_SIZE": "8",
            "DB_POOL_WAIT_TIMEOUT": "2s",
            "DB_CONNECT_TIMEOUT": "20s",
            "RUST_LOG": "warn,beteiligung::api::drain=info",
        })
        env.update(self.extra)
        return env

    def start(self) -> None:
        out = open(self.logs / f"{self.name}.log", "a")
        self.process = subprocess.Popen([str(BINARY), "serve", "--demo"], env=self.env(),
                                        stdout=out, stderr=subprocess.STDOUT)
        wait_for(f"{self.name} to be ready", self.ready, timeout=60)

    def ready(self) -> bool:
        if self.process and self.process.poll() is not None:
            raise SystemExit(f"drill: {self.name} exited ({self.process.returncode}); "
                             f"see {self.logs / (self.name + '.log')}")
        answer = request("GET", self.port, "/readyz", timeout=2)
        return bool(answer and answer[0] == 200)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def partner_token(port: int) -> str:
    credentials = base64.b64encode(f"{PARTNER_CLIENT_ID}:{PARTNER_CLIENT_SECRET}".encode()).decode()
    answer = request("POST", port, "/api/v1/auth/token", body=b"grant_type=client_credentials",
                  headers={"Authorization": f"Basic {credentials}",
                           "Content-Type": "application/x-www-form-urlencoded"})
    if not answer or answer[0] != 200:
        raise SystemExit(f"drill: no partner token: {answer}")
    return json.loads(answer[2])["access_token"]


def open_round(port: int) -> str:
    """A round of the demo consultation that takes registrations now."""
    now = datetime.datetime.now(datetime.timezone.utc)
    answer = request("GET", port, f"/api/v1/consultations/{CONSULTATION}/rounds")
    if not answer or answer[0] != 200:
        raise SystemExit(f"drill: no rounds: {answer}")
    for r in json.loads(answer[2])["items"]:
        opens, closes = r.get("registration_opens_at"), r.get("registration_closes_at")
        if (not r["cancelled"] and opens and closes
                and datetime.datetime.fromisoformat(opens) <= now
                < datetime.datetime.fromisoformat(closes)):
            return r["id"]
    raise SystemExit("drill: no round of the demo takes registrations now")


@dataclass
class Figures:
    """What the load saw. Each write is one key; `attempts` counts every HTTP request."""
    attempts: int = 0
    acknowledged: dict = field(default_factory=dict)  # key -> kind ("registration"/"submission")
    failed_writes: list = field(default_factory=list)  # keys never acknowledged
    statuses: dict = field(default_factory=dict)  # status (or "connection") -> count
    missing_retry_after: int = 0  # 503s without Retry-After
    # Monotonic instants of failed attempts and of acknowledgements, for unavailability.
    failures_at: list = field(default_factory=list)
    acknowledged_at: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status) -> None:
        with self.lock:
            self.attempts += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def failed_attempts(self) -> int:
        return sum(n for s, n in self.statuses.items() if s == "connection" or s >= 500)


class Load:
    """Threads writing through `port` until stopped: partner registrations for the open round
    and needs for the demo consultation, alternately; each write retried with its key."""

    def __init__(self, port: int, token: str, round_id: str, threads: int = 6):
        self.port = port
        self.token = token
        self.round_id = round_id
        self.threads = threads
        self.figures = Figures()
        self.stopping = threading.Event()
        self.workers: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.threads):
            worker = threading.Thread(target=self.run, args=(i,), daemon=True)
            worker.start()
            self.workers.append(worker)

    def stop(self) -> Figures:
        self.stopping.set()
        for worker in self.workers:
            worker.join()
        return self.figures

    def run(self, thread: int) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            self.write("registration" if (n + thread) % 2 else "submission")

    def write(self, kind: str) -> None:
        key = str(uuid.uuid4())
        if kind == "registration":
            path = f"/api/v1/rounds/{self.round_id}/registrations"
            body = {"name": f"Drill {key[:8]}", "email": f"drill-{key}@example.org",
                    "privacy_consent": True}
        else:
            path = f"/api/v1/consultations/{CONSULTATION}/submissions"
            body = {"kind": "need", "topic": "sprache", "title": f"Drill {key}",
                    "body": "Schreiblast während einer Übung."}
        payload = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                   "Idempotency-Key": key}
        figures = self.figures
        deadline = time.monotonic() + RETRY_BUDGET
        while time.monotonic() < deadline:
            answer = request("POST", self.port, path, body=payload, headers=headers)
            status = answer[0] if answer else "connection"
            figures.count(status)
            if status == 201:
                with figures.lock:
                    figures.acknowledged[key] = kind
                    figures.acknowledged_at.append(time.monotonic())
                return
            with figures.lock:
                figures.failures_at.append(time.monotonic())
                if status == 503 and "retry-after" not in answer[1]:
                    figures.missing_retry_after += 1
            if status != "connection" and status < 500 and status != 409:
                # Refused for a reason a retry does not change: a defect of the drill or
                # the service, reported as a failed write.
                log(f"{kind} {key}: {status} {answer[2][:300]!r}")
                break
            time.sleep(0.2)
        with figures.lock:
            figures.failed_writes.append(key)


def remove_work(work: Path) -> None:
    """Removes the drill's folder (its logs stay when DRILL_KEEP is set)."""
    if os.environ.get("DRILL_KEEP") is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"logs in {work}")


def psql(database_url: str, sql: str) -> list[list[str]]:
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                          database_url, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def stored_writes(database_url: str) -> tuple[dict, list]:
    """Every drill write in the database by key (from the email or title), and the keys
    stored more than once."""
    rows = psql(database_url, """
        SELECT substring(email from 'drill-(.*)@example.org') FROM registrations
         WHERE email LIKE 'drill-%@example.org'
        UNION ALL
        SELECT substring(title from 'Drill (.*)') FROM submissions WHERE title LIKE 'Drill %'
    """)
    counts: dict = {}
    for (key,) in rows:
        counts[key] = counts.get(key, 0) + 1
    return counts, [k for k, n in counts.items() if n > 1]


def check_writes(figures: Figures, database_url: str) -> tuple[int, int]:
    """(acknowledged writes missing from the database, keys stored more than once)."""
    stored, duplicates = stored_writes(database_url)
    lost = [k for k in figures.acknowledged if k not in stored]
    for key in lost[:10]:
        log(f"LOST: acknowledged {figures.acknowledged[key]} {key} is not in the database")
    for key in duplicates[:10]:
        log(f"DUPLICATE: {key} stored {stored[key]} times")
    return len(lost), len(duplicates)


def database_url_of(host_ports: list[tuple[str, int]], database: str, **params) -> str:
    hosts = ",".join(f"{h}:{p}" for h, p in host_ports)
    query = urllib.parse.urlencode(params)
    return f"postgres://postgres@{hosts}/{database}" + (f"?{query}" if query else "")


def verdict(rules: list[tuple[str, bool]]) -> int:
    broken = [name for name, held in rules if not held]
    for name, held in rules:
        print(f"  {'ok    ' if held else 'BROKEN'} {name}")
    if broken:
        print("drill FAILED", flush=True)
        return 1
    print("drill passed", flush=True)
    return 0


def figures_line(figures: Figures) -> str:
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(figures.statuses.items(), key=str))
    return (f"writes acknowledged {len(figures.acknowledged)}, failed {len(figures.failed_writes)}; "
            f"HTTP requests {figures.attempts} ({statuses})")


if __name__ == "__main__":
    sys.exit("drill.py is a module of the drills; run rolling_restart.py or failover.py")
