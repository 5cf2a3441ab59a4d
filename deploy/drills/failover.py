#!/usr/bin/env python3
"""Failover drill: two PostgreSQL 15 clusters on this machine, a primary and a synchronous
streaming standby (`pg_basebackup`, `synchronous_standby_names`), WAL archived
(`archive_command`); the service with `DATABASE_URL` naming both hosts and
`target_session_attrs=read-write`. Under write load the primary is stopped and the standby
promoted. Rules: meanwhile every refusal is a 503 with Retry-After (never a 500), writes
succeed on the new primary within 10 s of the promotion, every write acknowledged before,
during and after the failover is on the new primary exactly once; and a restore of a base
backup taken before the load, replaying the archived WAL across the failover, has them too.

Usage: deploy/drills/failover.py   (needs /usr/lib/postgresql/15/bin; runs the clusters as
user postgres when started as root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import drill
from drill import Load, Replica, log

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
WARM_UP = 3.0
AFTER = 5.0
WRITES_WITHIN = 10.0
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def pg(tool: str, *args: str, quiet: bool = True) -> None:
    subprocess.run([*AS_POSTGRES, str(PG_BIN / tool), *args], check=True,
                   stdout=subprocess.DEVNULL if quiet else None)


class Cluster:
    def __init__(self, work: Path, name: str):
        self.name = name
        self.data = work / name
        self.port = drill.free_port()
        self.log = work / f"{name}.postgres.log"
        self.work = work

    def start(self) -> None:
        pg("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log),
           "-o", f"-p {self.port} -k {self.work}")

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        pg("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def crash(self) -> None:
        """Stops at once, as a power cut would: no shutdown checkpoint, no last WAL sent to
        the standby beyond what synchronous replication already guaranteed."""
        pg("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))

    def url(self, database: str = "postgres") -> str:
        return drill.database_url_of([("127.0.0.1", self.port)], database)

    def sql(self, statement: str) -> list[list[str]]:
        return drill.psql(self.url(), statement)


def primary_and_standby(work: Path) -> tuple[Cluster, Cluster, Path]:
    """A primary (WAL archived), a base backup for the restore, and a synchronous standby."""
    archive = work / "archive"
    archive.mkdir()
    if AS_POSTGRES:
        subprocess.run(["chown", "postgres:postgres", str(archive)], check=True)
    primary = Cluster(work, "primary")
    pg("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
       "--locale=C.UTF-8", "--lc-messages=C")
    with open(primary.data / "postgresql.conf", "a") as conf:
        conf.write(f"""
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
archive_mode = on
archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'
""")
    primary.start()
    backup = work / "backup"
    pg("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
       "-D", str(backup), "--checkpoint=fast")
    standby = Cluster(work, "standby")
    pg("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
       "-D", str(standby.data), "--checkpoint=fast", "--write-recovery-conf")
    with open(standby.data / "postgresql.auto.conf", "a") as conf:
        conf.write(f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
                   f"application_name=standby'\n")
    standby.start()
    # Synchronous from now on: a commit is acknowledged once the standby has it.
    primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'standby'")
    primary.sql("SELECT pg_reload_conf()")
    drill.wait_for("the standby to be synchronous", lambda: primary.sql(
        "SELECT 1 FROM pg_stat_replication WHERE application_name = 'standby' "
        "AND sync_state = 'sync'"))
    return primary, standby, backup


def restore(work: Path, backup: Path, archive: Path, keys: dict) -> int:
    """Starts a copy of the base backup that replays the archive to its end (the latest
    timeline: across the failover); returns how many of `keys` it lacks."""
    target = Cluster(work, "restored")
    shutil.copytree(backup, target.data, symlinks=True)
    subprocess.run(["chown", "-R", "postgres:postgres", str(target.data)], check=False)
    with open(target.data / "postgresql.auto.conf", "a") as conf:
        conf.write(f"restore_command = 'cp {archive}/%f %p'\n"
                   "recovery_target_timeline = 'latest'\n"
                   "archive_mode = off\n")
    (target.data / "recovery.signal").touch()
    subprocess.run(["chown", "postgres:postgres", str(target.data / "recovery.signal")],
                   check=False)
    target.start()
    try:
        drill.wait_for("the restore to finish recovery",
                       lambda: target.sql("SELECT NOT pg_is_in_recovery()")[0][0] == "t",
                       timeout=60, every=0.2)
        stored, _ = drill.stored_writes(target.url("beteiligung"))
        return sum(1 for key in keys if key not in stored)
    finally:
        target.stop()


def main() -> int:
    drill.ensure_binary()
    work = Path(tempfile.mkdtemp(prefix="drill-failover-"))
    work.chmod(0o755)
    if AS_POSTGRES:
        subprocess.run(["chown", "postgres:postgres", str(work)], check=True)
    clusters: list[Cluster] = []
    service = None
    try:
        primary, standby, backup = primary_and_standby(work)
        clusters = [primary, standby]
        database_url = drill.database_url_of(
            [("127.0.0.1", primary.port), ("127.0.0.1", standby.port)], "beteiligung",
            target_session_attrs="read-write")
        service = Replica("service", database_url, work, {"DRAIN_DELAY": "0s"})
        service.start()
        token = drill.partner_token(service.port)
        round_id = drill.open_round(service.port)
        load = Load(service.port, token, round_id)
        log(f"load on :{service.port}; primary :{primary.port}, standby :{standby.port}")
        load.start()
        time.sleep(WARM_UP)
        sync = primary.sql("SELECT sync_state FROM pg_stat_replication")
        if ["sync"] not in sync:
            raise SystemExit(f"the standby is not synchronous: {sync}")
        log("crashing the primary (pg_ctl stop -m immediate)")
        stopped_at = time.monotonic()
        primary.crash()
        log("promoting the standby")
        pg("pg_ctl", "promote", "-w", "-D", str(standby.data))
        promoted_at = time.monotonic()
        log("standby promoted")
        time.sleep(AFTER)
        figures = load.stop()
        new_primary = standby.url("beteiligung")
        lost, duplicates = drill.check_writes(figures, new_primary)
        acks = sorted(figures.acknowledged_at)
        first_after = next((t for t in acks if t > promoted_at), None)
        writes_after = (first_after - promoted_at) if first_after else float("inf")
        before = [t for t in acks if t <= stopped_at]
        # The longest time without an acknowledged write, from the stop on.
        unavailable = max((b - a for a, b in zip(acks, acks[1:]) if b > stopped_at),
                          default=float("inf"))
        during = [t for t in figures.failures_at if t >= stopped_at]
        # The archive gets the new primary's last segment; then the restore replays it all.
        segment = standby.sql("SELECT pg_walfile_name(pg_switch_wal())")[0][0]
        drill.wait_for("the archive", lambda: standby.sql(
            f"SELECT coalesce(last_archived_wal >= '{segment}', false) FROM pg_stat_archiver"
        )[0][0] == "t", timeout=30, every=0.2)
        restored_lost = restore(work, backup, work / "archive", figures.acknowledged)
        print()
        print("Failover to the synchronous standby under write load:")
        print(f"  {drill.figures_line(figures)}")
        print(f"  failed HTTP requests after the primary stopped: {len(during)} "
              f"(each retried with its Idempotency-Key)")
        print(f"  unavailability (longest time without an acknowledged write): "
              f"{unavailable:.2f} s; first write on the new primary "
              f"{writes_after:.2f} s after the promotion")
        print(f"  acknowledged writes lost: {lost}, stored twice: {duplicates}; "
              f"missing from the restored base backup + archived WAL: {restored_lost}")
        five_hundreds = [s for s in figures.statuses if s != "connection" and s >= 500
                         and s != 503]
        return drill.verdict([
            ("no write failed (retries with the same Idempotency-Key allowed)",
             not figures.failed_writes),
            ("every refusal a 503, never a 500 or a broken connection",
             not five_hundreds and "connection" not in figures.statuses),
            ("every 503 carries Retry-After", figures.missing_retry_after == 0),
            (f"writes succeed on the new primary within {WRITES_WITHIN:.0f} s",
             writes_after <= WRITES_WITHIN),
            ("no acknowledged write lost", lost == 0),
            ("no write stored twice", duplicates == 0),
            ("the restore (base backup + archived WAL) has every acknowledged write",
             restored_lost == 0),
            ("writes acknowledged before the stop", len(before) > 0),
        ])
    finally:
        if service:
            service.stop()
        for cluster in clusters:
            try:
                cluster.stop()
            except subprocess.CalledProcessError:
                pass
        drill.remove_work(work)


if __name__ == "__main__":
    sys.exit(main())
