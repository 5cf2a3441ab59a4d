#!/usr/bin/env python3
"""Rolling-restart drill: nginx with deploy/nginx.conf (only the upstream addresses, the
listen port and the pid file substituted) in front of two replicas on one database. Under a
steady load of partner registrations and needs, each replica in turn gets SIGTERM and is
started again once it exited. Rules: no write fails (a client retries with the same
Idempotency-Key, as the API asks), no answer is a 500, no acknowledged write is lost, no write
is stored twice, each replica's readiness turned 503 before its listener closed, each exited
with status 0.

Usage: deploy/drills/rolling_restart.py   (PostgreSQL on PGHOST:PGPORT, default
127.0.0.1:5432, user postgres; installs the Debian nginx package where nginx is missing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import drill
from drill import Load, Replica, log

DRAIN_DELAY = "2s"
WARM_UP = 3.0


def ensure_nginx() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        log("installing nginx (Debian package)")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                       stdout=subprocess.DEVNULL)
        nginx = "/usr/sbin/nginx"
    return nginx


def substitute(text: str, pattern: str, replacement: str) -> str:
    """Replaces what must be in deploy/nginx.conf exactly once (else the drill would test
    another config than the one deployed)."""
    result, n = re.subn(pattern, replacement, text)
    if n != 1:
        raise SystemExit(f"drill: deploy/nginx.conf: {pattern!r} found {n} times, not once")
    return result


def nginx_config(work: Path, port: int, replicas: list[Replica]) -> Path:
    text = (drill.ROOT / "deploy" / "nginx.conf").read_text()
    for i, replica in enumerate(replicas, start=1):
        text = substitute(text, rf"server api-{i}:8080", f"server 127.0.0.1:{replica.port}")
    text = substitute(text, r"listen 80;", f"listen 127.0.0.1:{port};")
    text = substitute(text, r"\n\s*listen \[::\]:80;", "")
    text = substitute(text, r"pid /tmp/nginx-beteiligung\.pid;", f"pid {work}/nginx.pid;")
    path = work / "nginx.conf"
    path.write_text(text)
    return path


def served_posts(replica: Replica) -> int:
    """POSTs this process answered (its own /metrics), to see that nginx sends it load."""
    answer = drill.request("GET", replica.port, "/metrics", timeout=2)
    if not answer or answer[0] != 200:
        return 0
    total = 0
    for line in answer[2].decode().splitlines():
        if line.startswith("beteiligung_http_requests_total{") and 'method="POST"' in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def restart(replica: Replica) -> tuple[bool, int]:
    """SIGTERM, then start again once it exited. Returns whether readiness was 503
    `draining` before the listener closed, and the exit status."""
    log(f"SIGTERM to {replica.name}")
    replica.process.send_signal(15)
    draining_seen = False
    while True:
        answer = drill.request("GET", replica.port, "/readyz", timeout=2)
        if answer is None:
            break
        if answer[0] == 503 and b'"draining"' in answer[2]:
            draining_seen = True
        elif not draining_seen and answer[0] == 200:
            pass
        time.sleep(0.05)
    log(f"{replica.name}: listener closed (readiness 503 before: {draining_seen})")
    status = replica.process.wait(timeout=40)
    log(f"{replica.name} exited with {status}; starting it again")
    replica.start()
    before = served_posts(replica)
    drill.wait_for(f"nginx to send {replica.name} requests again",
                   lambda: served_posts(replica) >= before + 20, timeout=30, every=0.2)
    log(f"{replica.name} serves through nginx again")
    return draining_seen, status


def main() -> int:
    drill.ensure_binary()
    nginx = ensure_nginx()
    host = os.environ.get("PGHOST", "127.0.0.1")
    pg_port = int(os.environ.get("PGPORT", "5432"))
    database = f"drill_rolling_{uuid.uuid4().hex[:8]}"
    database_url = drill.database_url_of([(host, pg_port)], database)
    work = Path(tempfile.mkdtemp(prefix="drill-rolling-"))
    work.chmod(0o755)
    settings = {"DRAIN_DELAY": DRAIN_DELAY, "TRUSTED_PROXIES": "127.0.0.1/32"}
    replicas = [Replica(f"api-{i}", database_url, work, settings) for i in (1, 2)]
    nginx_port = drill.free_port()
    nginx_process = None
    try:
        for replica in replicas:
            replica.start()
        config = nginx_config(work, nginx_port, replicas)
        nginx_log = open(work / "nginx.log", "w")
        nginx_process = subprocess.Popen([nginx, "-p", str(work), "-e", str(work / "error.log"),
                                          "-c", str(config), "-g", "daemon off;"],
                                         stdout=nginx_log, stderr=subprocess.STDOUT)
        drill.wait_for("nginx", lambda: (a := drill.request("GET", nginx_port, "/healthz"))
                       and a[0] == 200)
        token = drill.partner_token(nginx_port)
        round_id = drill.open_round(nginx_port)
        load = Load(nginx_port, token, round_id)
        log(f"load through nginx on :{nginx_port} to {[r.port for r in replicas]}")
        load.start()
        time.sleep(WARM_UP)
        started = time.monotonic()
        outcomes = [restart(replica) for replica in replicas]
        restarting = time.monotonic() - started
        time.sleep(WARM_UP)
        figures = load.stop()
        lost, duplicates = drill.check_writes(figures, database_url)
        print()
        print(f"Rolling restart of 2 replicas behind nginx ({restarting:.1f} s, "
              f"DRAIN_DELAY={DRAIN_DELAY}):")
        print(f"  {drill.figures_line(figures)}")
        print(f"  failed HTTP requests (connection or 5xx) seen by the client: "
              f"{figures.failed_attempts()}")
        print(f"  acknowledged writes lost: {lost}, stored twice: {duplicates}")
        return drill.verdict([
            ("no write failed (retries with the same Idempotency-Key allowed)",
             not figures.failed_writes),
            ("no 500", not any(s == 500 for s in figures.statuses if s != "connection")),
            ("every 503 carries Retry-After", figures.missing_retry_after == 0),
            ("no acknowledged write lost", lost == 0),
            ("no write stored twice", duplicates == 0),
            ("readiness 503 before the listener closed, on both replicas",
             all(seen for seen, _ in outcomes)),
            ("both replicas exited with status 0", all(s == 0 for _, s in outcomes)),
            ("writes acknowledged while restarting", len(figures.acknowledged) > 0),
        ])
    finally:
        if nginx_process:
            nginx_process.terminate()
            nginx_process.wait()
        for replica in replicas:
            replica.stop()
        subprocess.run(["psql", "-X", "-q", drill.database_url_of([(host, pg_port)], "postgres"),
                        "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        drill.remove_work(work)


if __name__ == "__main__":
    sys.exit(main())
