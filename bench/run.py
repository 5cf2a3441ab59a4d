#!/usr/bin/env python3
"""Load benchmark of the service against the PostgreSQL ceiling of the same SQL, in one run.

Starts PostgreSQL if needed, builds the release binary, starts the service on a fresh
database, seeds it (bench/seed.sql), then per scenario drives the service with wrk over
loopback and pgbench (-M prepared, same client count) with the SQL the service runs
(bench/sql/*.sql). Writes bench/RESULTS.md. No assertions: this measures.

Environment: BENCH_CLIENTS (16), BENCH_SECONDS (10), BENCH_SUBMISSIONS (200000; half of them in
the consultation that is exported and loaded).
"""

import json
import os
import pathlib
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BINARY = ROOT / "target" / "release" / "beteiligung"
DATABASE = "beteiligung_bench"
PORT = 18080
BASE = f"http://127.0.0.1:{PORT}"
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "200000"))
# Comma-separated scenario numbers to run (1-5, 6: the report as a document); all by default. A partial run prints its
# figures and leaves RESULTS.md as it is.
ONLY = {int(n) for n in os.environ.get("BENCH_ONLY", "").split(",") if n.strip()}
SECRET = "bench-secret-0123456789abcdef0123456789abcdef"
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1"]


def bench_id(kind, n):
    return f"00000000-0000-7000-800{kind}-{n:012d}"


CONSULTATION = bench_id(2, 1)
ORGANISATION = bench_id(1, 1)
ROUND = bench_id(3, 11)
IMPORT_ROUND = bench_id(3, 14)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs).stdout


def sql(query, database=DATABASE):
    return run(PSQL + ["-d", database, "-Atc", query]).strip()


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status
    except Exception:
        return None


def prepare():
    subprocess.run([str(ROOT / ".ci" / "ensure-postgres")], check=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    print("building the release binary", flush=True)
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", database="postgres")


def start_service(database=DATABASE, extra=None):
    env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
               BIND_ADDR=f"127.0.0.1:{PORT}", JWT_SECRET=SECRET, RUST_LOG="warn",
               DB_POOL_SIZE=str(CLIENTS + 4),
               # The load generator is one client address and one token: it measures
               # throughput, not the limits (which stay on, so their cost is measured).
               RATE_LIMIT_ANONYMOUS="100000000/min", RATE_LIMIT_SENSITIVE="100000000/min",
               RATE_LIMIT_TOKEN="100000000/min", **(extra or {}))
    started = time.monotonic()
    process = subprocess.Popen([str(BINARY), "serve"], env=env, stdout=subprocess.DEVNULL)
    while http_status(f"{BASE}/readyz") != 200:
        if process.poll() is not None:
            sys.exit("the service exited during start-up")
        time.sleep(0.002)
    return process, (time.monotonic() - started) * 1000


STARTUP_PROBE = "beteiligung_startup"


def startup_times():
    """Start to `/readyz` = 200, median of three each: on a database the service creates and
    migrates, on an empty one PostgreSQL created before (migrated by the service), and a
    restart on a current schema. Also what `CREATE DATABASE` alone takes in PostgreSQL. A
    checkpoint before each start keeps a previous run's dirty pages out of the figure."""
    def drop():
        sql(f"DROP DATABASE IF EXISTS {STARTUP_PROBE} WITH (FORCE)", database="postgres")
        sql("CHECKPOINT", database="postgres")

    def started(database=STARTUP_PROBE):
        process, ms = start_service(database)
        process.terminate()
        process.wait(timeout=30)
        return ms

    created, migrated, restarted, create_database = [], [], [], []
    for _ in range(3):
        drop()
        created.append(started())
        restarted.append(started())
        drop()
        timed = run(PSQL + ["-d", "postgres", "-c", "\\timing on",
                            "-c", f"CREATE DATABASE {STARTUP_PROBE}"])
        create_database.append(float(re.search(r"Time: ([0-9.]+) ms", timed).group(1)))
        sql("CHECKPOINT", database="postgres")
        migrated.append(started())
    drop()
    sql(f"DROP DATABASE IF EXISTS {STARTUP_PROBE}", database="postgres")
    return {name: statistics.median(values) for name, values in
            [("created", created), ("migrated", migrated), ("restarted", restarted),
             ("create_database", create_database)]}


def token(role="partner", *scope):
    env = dict(os.environ, JWT_SECRET=SECRET)
    return run([str(BINARY), "token", "--role", role, "--subject", "bench", *scope,
                "--ttl", "2h"], env=env).strip()


def partner_token():
    return token("partner", "--org", ORGANISATION)


# The authority of the seeded consultations (the first one, made by the migration).
AUTHORITY = "standardbehoerde"
# Runs per side when comparing the authority scope with connections that bypass it.
SCOPE_RUNS = 5


def wrk(scenario, prefix, partner_token, connections=CLIENTS, delay_ms=0, seconds=SECONDS):
    env = dict(os.environ, SCENARIO=scenario, TOKEN=partner_token, PREFIX=prefix,
               MAX_N=str(SUBMISSIONS), DELAY_MS=str(delay_ms))
    out = run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "-s", str(BENCH / "wrk.lua"), BASE], env=env)
    data = json.loads(re.search(r"BENCH_JSON (\{.*\})", out).group(1))
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "non2xx": data["non2xx"] + data["errors"],
        "requests": data["requests"],
    }


def pgbench(script, variables):
    with tempfile.TemporaryDirectory() as logs:
        args = ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-M", "prepared",
                "-c", str(CLIENTS), "-j", "2", "-T", str(SECONDS), "-l", "--log-prefix",
                f"{logs}/tx", "-f", str(BENCH / "sql" / script)]
        for name, value in variables.items():
            args += ["-D", f"{name}={value}"]
        out = run(args + [DATABASE], cwd=logs)
        tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
        failed = int(re.search(r"number of failed transactions: (\d+)", out).group(1)) \
            if "failed transactions" in out else 0
        latencies = []
        for log in pathlib.Path(logs).glob("tx*"):
            for line in log.read_text().splitlines():
                latencies.append(int(line.split()[2]) / 1000)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    return {"rps": tps, "p50_ms": pick(0.50), "p99_ms": pick(0.99), "non2xx": failed,
            "requests": len(latencies)}


def document_timing(pid, admin_token, prefix):
    """The participation report of the consultation as JSON (its SQL alone), HTML and PDF:
    median of 5 requests each, and the peak memory while the PDF is made (target: the PDF
    within 2 s)."""
    figures = {}
    for format in ("json", "html", "pdf"):
        times = []
        for _ in range(5):
            request = urllib.request.Request(f"{BASE}{prefix}/report?format={format}",
                                             headers={"Authorization": f"Bearer {admin_token}"})
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=120) as answer:
                size = len(answer.read())
            times.append((time.perf_counter() - started) * 1000)
        figures[format] = {"median_ms": statistics.median(times), "bytes": size}
    figures["pdf_memory"] = download_memory(pid, admin_token, f"{prefix}/report?format=pdf")
    return figures


def download_memory(pid, admin_token, path):
    """Peak RSS while downloading `path` (an export streamed from the service)."""
    idle = rss_kib(pid)
    peak = idle
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    request = urllib.request.Request(f"{BASE}{path}",
                                     headers={"Authorization": f"Bearer {admin_token}"})
    size = lines = 0
    started = time.monotonic()
    with urllib.request.urlopen(request) as response:
        while chunk := response.read(65536):
            size += len(chunk)
            lines += chunk.count(b"\n")
    elapsed = time.monotonic() - started
    done.set()
    sampler.join()
    return {"idle_kib": idle, "peak_kib": peak, "rows": lines - 1, "mib": size / 2**20,
            "seconds": elapsed}


def minute(rows):
    """A conference minute of `rows` rows as German Excel saves it: BOM, `;`, CRLF, quoted
    cells with line breaks; every third row an action approach answering the need before it
    by its external_ref."""
    lines = ["\ufeffkind;topic;title;body;organisation;external_ref;addresses"]
    for n in range(rows):
        if n % 3 == 2:
            lines.append(f'action_approach;sprache;Abendkurse mit Kinderbetreuung {n};'
                         f'"Träger bieten an;\r\nmit Betreuung im Haus ({n})";{ORGANISATION};'
                         f'MIN-{n};MIN-{n - 1}')
        else:
            lines.append(f'need;arbeitsmarkt;Anerkennung beschleunigen {n};'
                         f'"Wartezeiten über 6 Monate;\r\nFachkräfte wandern ab ({n})";'
                         f'{ORGANISATION};MIN-{n};')
    return ("\r\n".join(lines) + "\r\n").encode()


def import_timing(admin_token, rows=5000):
    """Seconds for checking (dry run) and for importing a minute of `rows` rows."""
    body = minute(rows)
    timings = {"rows": rows, "mib": len(body) / 2**20}
    for name, query in (("dry_run_s", "&dry_run=true"), ("import_s", "")):
        request = urllib.request.Request(
            f"{BASE}/api/v1/consultations/{CONSULTATION}/submissions/import?round_id={IMPORT_ROUND}{query}",
            data=body, method="POST",
            headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "text/csv"})
        started = time.monotonic()
        with urllib.request.urlopen(request) as response:
            imported = json.load(response)["imported"]
        timings[name] = time.monotonic() - started
        assert imported == rows, imported
    return timings


def machine():
    cpu = "unknown CPU"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(re.search(r"MemTotal:\s+(\d+)", pathlib.Path("/proc/meminfo").read_text()).group(1))
    postgres = sql("SHOW server_version", database="postgres")
    return (f"{os.cpu_count()} cores ({cpu}), {memory / 2**20:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, PostgreSQL {postgres}; service, "
            f"PostgreSQL and load generator share the machine")


def variables():
    page_ids = sql(
        "SELECT '{' || string_agg(id::text, ',') || '}' FROM (SELECT id FROM submissions "
        f"WHERE (status = 'accepted' OR organisation_id = '{ORGANISATION}') AND "
        f"consultation_id = '{CONSULTATION}' AND kind = 'need' ORDER BY id LIMIT 50) page")
    return {"consultation": CONSULTATION, "org": ORGANISATION, "max_n": SUBMISSIONS,
            "page_ids": page_ids}


def scenarios(consultation_prefix):
    """(title, wrk scenario, path prefix, the service's SQL, the least SQL, target as a share
    of the least-SQL ceiling)"""
    return [
        ("1. POST submission (new Idempotency-Key each)", "post_submission", consultation_prefix, "post.sql", "post_least.sql", 0.70),
        ("2. GET submissions page (limit=50, kind=need) as partner", "list", consultation_prefix, "list.sql", "list_least.sql", 0.85),
        ("3. GET single submission", "get", consultation_prefix, "get.sql", "get_least.sql", 0.60),
    ]


def scenario(title, name, prefix, script, least_script, target, partner):
    """The service at full speed, both ceilings, then the service paced at half its rate."""
    print(f"{title}: service", flush=True)
    wrk(name, prefix, partner, seconds=2)  # warm-up
    service_result = wrk(name, prefix, partner)
    print(f"{title}: ceilings", flush=True)
    ceiling = pgbench(script, variables())
    least = pgbench(least_script, variables())
    half_rate = service_result["rps"] / 2
    connections = 8
    delay = max(1, round(connections * 1000 / half_rate))
    paced = wrk(name, prefix, partner, connections=connections, delay_ms=delay)
    print(f"  service {service_result}\n  ceiling {ceiling}\n  least {least}\n  paced {paced}",
          flush=True)
    return title, service_result, ceiling, least, target, paced


def registration_burst(partner):
    """Partners registering for one round of 500 seats, and the least SQL doing the same."""
    print("4. registration burst", flush=True)
    sql(f"UPDATE rounds SET capacity = 500 WHERE id = '{ROUND}'")
    burst = wrk("register", f"/api/v1/rounds/{ROUND}", partner, seconds=5)
    seats = sql(f"SELECT confirmed_count || ' confirmed, ' || waitlisted_count || ' waitlisted' FROM rounds WHERE id = '{ROUND}'")
    burst_least = pgbench("register_least.sql", dict(variables(), round=ROUND))
    print(f"  service {burst}\n  least {burst_least}\n  {seats}", flush=True)
    return burst, burst_least, seats


def authority_scope(service, consultation_prefix):
    """What row-level security and the authority scope cost: an authority's moderator (a
    connection of its authority, the policies filtering) against the platform's admin on a
    service whose connections are the tables' owner (DATABASE_REQUEST_ROLE empty: no
    policy applies). Same requests, same rows seen; the sides alternate SCOPE_RUNS times.
    Returns the service running as before."""
    print("5. authority scope: moderator with row-level security vs owner without", flush=True)
    moderator = token("moderator", "--authority", AUTHORITY)
    admin = token("admin")
    found = {("get", "scoped"): [], ("get", "owner"): [], ("list", "scoped"): [], ("list", "owner"): []}
    for _ in range(SCOPE_RUNS):
        for side, extra, bearer in (("owner", {"DATABASE_REQUEST_ROLE": ""}, admin),
                                    ("scoped", None, moderator)):
            service.terminate()
            service.wait(timeout=30)
            service, _ = start_service(extra=extra)
            for name in ("get", "list"):
                wrk(name, consultation_prefix, bearer, seconds=1)  # warm-up
                found[(name, side)].append(wrk(name, consultation_prefix, bearer, seconds=5)["rps"])
    figures = {}
    for name in ("get", "list"):
        scoped = statistics.median(found[(name, "scoped")])
        owner = statistics.median(found[(name, "owner")])
        figures[name] = (scoped, owner, 1 - scoped / owner)
        print(f"  {name}: scoped {found[(name, 'scoped')]} owner {found[(name, 'owner')]}", flush=True)
    return service, figures


def run_only(service, partner, consultation_prefix):
    """The scenarios named in BENCH_ONLY, printed only."""
    for number, s in enumerate(scenarios(consultation_prefix), start=1):
        if number in ONLY:
            scenario(*s, partner)
    if 4 in ONLY:
        registration_burst(partner)
    if 5 in ONLY:
        service, figures = authority_scope(service, consultation_prefix)
        print(f"  {figures}", flush=True)
    if 6 in ONLY:
        print(f"  documents: {document_timing(service.pid, token('admin'), consultation_prefix)}",
              flush=True)
    print(f"RSS {rss_kib(service.pid) / 1024:.1f} MiB", flush=True)
    return service


def main():
    prepare()
    startup = None if ONLY else startup_times()
    if startup:
        print(f"start-up: {startup}", flush=True)
    service, ready_ms = start_service()
    try:
        print(f"ready after {ready_ms:.0f} ms; seeding {SUBMISSIONS} submissions", flush=True)
        run(PSQL + ["-d", DATABASE, "-v", f"submissions={SUBMISSIONS}", "-f", str(BENCH / "seed.sql")])
        time.sleep(1)
        idle_kib = rss_kib(service.pid)
        partner = partner_token()
        admin = token("admin")
        consultation_prefix = f"/api/v1/consultations/{CONSULTATION}"
        if ONLY:
            service = run_only(service, partner, consultation_prefix)
            return
        export = download_memory(service.pid, admin, f"{consultation_prefix}/submissions/export?format=csv")
        print(f"export: {export}", flush=True)
        table = download_memory(service.pid, admin, f"{consultation_prefix}/consideration-table?format=xlsx")
        print(f"consideration table: {table}", flush=True)
        imports = import_timing(admin)
        print(f"import: {imports}", flush=True)
        documents = document_timing(service.pid, admin, consultation_prefix)
        print(f"documents: {documents}", flush=True)
        results = [scenario(*s, partner) for s in scenarios(consultation_prefix)]
        burst = registration_burst(partner)
        peak_kib = rss_kib(service.pid, "VmHWM")
        service, scope = authority_scope(service, consultation_prefix)
    finally:
        service.terminate()
        service.wait(timeout=30)
    write_results(startup, idle_kib, peak_kib, (export, table, imports, documents), results, burst,
                  scope)


def write_results(startup, idle_kib, peak_kib, downloads, results, registration, scope):
    export, table, imports, documents = downloads
    burst, burst_least, seats = registration
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}.",
        "",
        "Command: `python3 bench/run.py` "
        f"(BENCH_CLIENTS={CLIENTS}, BENCH_SECONDS={SECONDS}, BENCH_SUBMISSIONS={SUBMISSIONS}); "
        f"written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Load: wrk, 2 threads, {CLIENTS} connections, {SECONDS} s per run over loopback. Ceilings: "
        f"pgbench -M prepared, {CLIENTS} clients, 2 threads, {SECONDS} s, running the SQL the "
        "service runs for the scenario (bench/sql/<scenario>.sql), and the least SQL that gives the "
        "same guarantees (bench/sql/<scenario>_least.sql, each with why nothing less would do). "
        "Paced: wrk with 8 connections at about half the measured maximum rate. Targets are "
        "shares of the least-SQL ceiling; p99 paced ≤ 10 ms.",
        "",
        "| scenario | service req/s | p50 ms | p99 ms | non-2xx | ceiling tx/s | least-SQL tx/s (p50 / p99 ms) | service / ceiling | service / least SQL | target | paced req/s | paced p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for title, s, c, least, target, paced in results:
        ratio = s["rps"] / c["rps"] if c["rps"] else 0
        least_ratio = s["rps"] / least["rps"] if least["rps"] else 0
        mark = "met" if least_ratio >= target and paced["p99_ms"] <= 10 else "missed"
        lines.append(
            f"| {title} | {s['rps']:.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['non2xx']} | "
            f"{c['rps']:.0f} | {least['rps']:.0f} ({least['p50_ms']:.2f} / {least['p99_ms']:.2f}) | "
            f"{ratio:.0%} | {least_ratio:.0%} | ≥ {target:.0%} ({mark}) | "
            f"{paced['rps']:.0f} | {paced['p99_ms']:.2f} |")
    burst_ratio = burst["rps"] / burst_least["rps"] if burst_least["rps"] else 0
    lines += [
        f"| 4. registration burst (one round, partner, limited seats) | {burst['rps']:.0f} | {burst['p50_ms']:.2f} | "
        f"{burst['p99_ms']:.2f} | {burst['non2xx']} | – | {burst_least['rps']:.0f} "
        f"({burst_least['p50_ms']:.2f} / {burst_least['p99_ms']:.2f}) | – | {burst_ratio:.0%} | – | – | – |",
        "",
        f"After the burst the round had {seats} (capacity 500): never overbooked.",
        "",
        "Authority scope (5.): an authority's moderator, whose connections row-level security holds "
        "to its authority, against the platform's admin on connections of the tables' owner "
        "(DATABASE_REQUEST_ROLE empty: no policy applies); same requests, same rows; median of "
        f"{SCOPE_RUNS} alternating runs of 5 s each. Target: at most 5 % less.",
        "",
        "| request | moderator, scoped req/s | owner, no RLS req/s | cost |",
        "|---|---|---|---|",
        f"| GET single submission | {scope['get'][0]:.0f} | {scope['get'][1]:.0f} | {scope['get'][2]:.1%} |",
        f"| GET submissions page (limit=50, kind=need) | {scope['list'][0]:.0f} | {scope['list'][1]:.0f} | {scope['list'][2]:.1%} |",
        "",
        f"- Start to `/readyz` = 200 (median of 3; target ≤ 200 ms on a fresh database): database created "
        f"and migrated by the service {startup['created']:.0f} ms, of which `CREATE DATABASE` alone takes "
        f"PostgreSQL {startup['create_database']:.0f} ms; empty database created beforehand, migrated by the "
        f"service {startup['migrated']:.0f} ms; restart on a current schema {startup['restarted']:.0f} ms.",
        f"- Idle RSS after start and seeding: {idle_kib / 1024:.1f} MiB (target ≤ 20 MiB).",
        f"- Peak RSS over the whole run (VmHWM): {peak_kib / 1024:.1f} MiB.",
        f"- CSV export of {export['rows']} submissions ({export['mib']:.0f} MiB in {export['seconds']:.1f} s): "
        f"RSS {export['idle_kib'] / 1024:.1f} MiB before, peak {export['peak_kib'] / 1024:.1f} MiB during "
        f"(+{(export['peak_kib'] - export['idle_kib']) / 1024:.1f} MiB).",
        f"- Abwägungstabelle as XLSX for the same {export['rows']} submissions ({table['mib']:.0f} MiB in "
        f"{table['seconds']:.1f} s): RSS {table['idle_kib'] / 1024:.1f} MiB before, peak "
        f"{table['peak_kib'] / 1024:.1f} MiB during (+{(table['peak_kib'] - table['idle_kib']) / 1024:.1f} MiB).",
        f"- Import of a {imports['rows']}-row minute ({imports['mib']:.1f} MiB CSV, into the consultation "
        f"above): dry run {imports['dry_run_s']:.2f} s, import {imports['import_s']:.2f} s (target well under 10 s).",
        f"- Beteiligungsbericht of the {export['rows']} submissions (median of 5): JSON (the SQL alone) "
        f"{documents['json']['median_ms']:.0f} ms, HTML {documents['html']['median_ms']:.0f} ms "
        f"({documents['html']['bytes'] / 1024:.0f} KiB), PDF {documents['pdf']['median_ms']:.0f} ms "
        f"({documents['pdf']['bytes'] / 1024:.0f} KiB; target ≤ 2000 ms); RSS while the PDF is made "
        f"{documents['pdf_memory']['idle_kib'] / 1024:.1f} MiB before, peak "
        f"{documents['pdf_memory']['peak_kib'] / 1024:.1f} MiB.",
        "",
    ]
    (BENCH / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
