"""The body of scripts/bench.sh: see there for usage.

Every figure is measured after a warm-up run, `--runs` times, alternating a
lockdesk run and a psql run of the same statements (the SQL comes from
`lockdesk info --sql NAME`, so both sides run exactly the same text). Times
are whole processes, wall clock; the ratio is lockdesk's median over psql's.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse

BIN = os.path.abspath("target/release/lockdesk")
TYPICAL = "e4792295b2f441f0b205e154984e92fc"
BIG = {500: "bench500" + "0" * 24, 3000: "bench3000" + "0" * 23, 20000: "bench20000" + "0" * 22,
       # A runaway job's trace (issue 31): its first screen and RSS.
       100000: "bench100000" + "0" * 21}
# Above this many logs the console reads a trace as heads (store/heads.rs).
WHOLE_TRACE_LOGS = 2000
# groups::troubled as `lockdesk groups` sends it: 24 h window, stuck after
# 900 s, one over the cap of 50,000, the database's clock.
GROUPS_TROUBLED = ("groups::troubled", ["86400", "900", "50001", "NULL"])
# ... then every door once, for the failed steps' sites.
GROUPS_PAIRS = [GROUPS_TROUBLED, ("doors::every", [])]
# groups::storm_recent as the Jobs header sends it with the counts: the last
# hour (STORM_LOOKBACK_SECS), the newest 1,000 failed and 1,000 dead jobs
# (STORM_CAP), the database's clock.
STORM_RECENT = ("groups::storm_recent", ["3600", "1000", "NULL"])


def sh(args, env=None, **kw):
    return subprocess.run(args, env=env, check=True, **kw)


def sql_of(name):
    return subprocess.run([BIN, "info", "--sql", name], check=True, capture_output=True, text=True).stdout.strip()


def psql_script(pairs):
    """PREPARE and EXECUTE each (statement name, argument list)."""
    out = []
    for i, (name, args) in enumerate(pairs):
        out.append(f"PREPARE s{i} AS {sql_of(name)};")
        out.append(f"EXECUTE s{i}({', '.join(args)});" if args else f"EXECUTE s{i};")
    return "\n".join(out)


def timed(cmd, env, stdin=None):
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    return time.perf_counter() - start


def rss_kib(cmd, env):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(r.stderr.strip().splitlines()[-1])


def ms(x):
    return f"{x * 1000:.1f} ms"


T0 = time.perf_counter()


def stage(msg):
    """One plain line per stage (terminal or not), with the time so far:
    a long run says where it is. `demo seed` prints its own rows, rate and
    time left on stderr."""
    print(f"[{time.perf_counter() - T0:7.0f} s] {msg}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logs", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--only", metavar="TEXT",
                    help="only the figures whose label contains TEXT (e.g. groups); skips the RSS, console-bench and tour parts")
    a = ap.parse_args()

    print(f"starting the demo cluster and seeding {a.logs:,} logs / {a.logs // 10:,} jobs / {a.logs // 10:,} audit rows …", flush=True)
    demo = subprocess.Popen([BIN, "demo", "--no-tui"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    env = dict(os.environ)
    while "DATABASE_URL" not in env or "LOCKDESK_DOORDECK_BASE_URL" not in env:
        line = demo.stdout.readline()
        if not line:
            sys.exit("the demo did not start")
        m = re.match(r"export (\w+)='(.*)'", line.strip())
        if m:
            env[m.group(1)] = m.group(2)
    env["LOCKDESK_CONFIG_DIR"] = "/nonexistent-lockdesk-bench"
    url = env["DATABASE_URL"]
    socket_dir = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["host"][0]
    psql = ["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
    # psql's session as lockdesk's (store::options): no JIT.
    penv = dict(env, PGOPTIONS="-c jit=off")
    rows = []
    try:
        started = time.perf_counter()
        stage(f"seeding {a.logs:,} logs")
        sh([BIN, "demo", "seed", "--logs", str(a.logs)], env=env, stdout=subprocess.DEVNULL)
        seeded = time.perf_counter() - started
        rows.append(("seeding (demo seed, COPY + indexes)", f"{seeded:.1f} s", "", "", ""))

        # Two big traces: copies of the typical trace's first log.
        for n, corr in BIG.items():
            sh(psql + ["-c", f"""INSERT INTO integration_logs (action, correlation_id, created_at, door_id, door_name, external_id, lock_key, ok,
                provider_type, reconcile_job_id, request_json, response_json)
              SELECT l.action, '{corr}', l.created_at + g * interval '1 ms', l.door_id, l.door_name, l.external_id, l.lock_key, l.ok,
                l.provider_type, l.reconcile_job_id, l.request_json, l.response_json
                FROM generate_series(1, {n}) g,
                     (SELECT * FROM integration_logs WHERE correlation_id = '{TYPICAL}' ORDER BY id LIMIT 1) l"""], env=env)
        # An incident: 30% of the jobs (300,000 at 1M) failed within the last
        # 23 hours, so `groups` reaches its cap of 50,000.
        sh(psql + ["-c", f"""UPDATE reconcile_jobs SET status = 'failed', updated_at = now() - random() * interval '23 hours'
              WHERE id IN (SELECT id FROM reconcile_jobs ORDER BY id DESC LIMIT {max(1, a.logs // 10 * 3 // 10)})"""], env=env)
        # As autovacuum leaves a production table: statistics and the visibility
        # map (index-only counts read no heap), not a freshly COPYed one.
        stage("VACUUM (ANALYZE), as autovacuum leaves a production table")
        sh(psql + ["-c", "VACUUM (ANALYZE)"], env=env)

        def q(s):
            return f"'{s}'"

        # `trace --json`: resolve, then the three tables (logs streamed).
        trace_pairs = lambda c: [("traces::resolve_exact", [q(c)]), ("traces::audit_of", [q(c)]),
                                 ("traces::jobs_of", [q(c)]), ("traces::logs_of", [q(c)])]

        # Every snapshot starts as the console does: the header's counts and
        # the doors (app.start), then its pane's statements.
        # The console's trace load: the log count decides whole rows or heads.
        def console_trace_pairs(c, n):
            logs = "traces::logs_of" if n <= WHOLE_TRACE_LOGS else "traces::log_heads_of"
            return first_screen + [("traces::resolve_exact", [q(c)]), ("traces::audit_of", [q(c)]), ("traces::jobs_of", [q(c)]),
                    ("traces::log_count_of", [q(c)]), (logs, [q(c)])]
        first_screen = [("jobs::counts", ["900", "NULL"]), ("jobs::status_estimates", []), ("doors::every", [])]
        cutoff = lambda secs: f"now() - interval '{secs} seconds'"
        jobs_filter = lambda label, keys, page, args: (
            f"snapshot: :jobs {label}", [BIN, "snapshot", "--keys", f":jobs {keys}<Enter>"],
            first_screen + [("jobs::page", ["200"]), (page, args + ["200"])])
        figures = [
            ("trace --json (typical, 5 logs)", [BIN, "trace", TYPICAL, "--json"], trace_pairs(TYPICAL)),
            ("trace --json (3,000 logs)", [BIN, "trace", BIG[3000], "--json"], trace_pairs(BIG[3000])),
            ("trace --json (20,000 logs)", [BIN, "trace", BIG[20000], "--json"], trace_pairs(BIG[20000])),
            ("snapshot: job queue (start to first screen)", [BIN, "snapshot"], first_screen + [("jobs::page", ["200"])]),
            ("snapshot: audit", [BIN, "snapshot", "--keys", "2"], first_screen + [("jobs::page", ["200"]), ("audit::page_first", ["200"])]),
            ("snapshot: lock TTLOCK:28991110", [BIN, "snapshot", "lock", "TTLOCK:28991110"], first_screen + [("logs::of_lock", ["'TTLOCK:28991110'", "500"])]),
            ("snapshot: user 9", [BIN, "snapshot", "user", "9"],
             first_screen + [("users::user", ["9"]), ("users::access", ["9"]), ("users::credentials", ["9"]), ("users::doors", ["9"]),
              ("jobs::of_user", ["9"]), ("users::traces_with_deleted", ["9"])]),
            ("snapshot: door 2 (its lock's logs)", [BIN, "snapshot", "door", "2"],
             first_screen + [("logs::of_lock", ["'TTLOCK:28991110'", "500"])]),
            ("snapshot: trace (typical)", [BIN, "snapshot", "trace", TYPICAL], console_trace_pairs(TYPICAL, 5)),
            ("snapshot: trace (500 logs)", [BIN, "snapshot", "trace", BIG[500]], console_trace_pairs(BIG[500], 500)),
            ("snapshot: trace (20,000 logs, first screen)", [BIN, "snapshot", "trace", BIG[20000]],
             console_trace_pairs(BIG[20000], 20000)),
            ("snapshot: trace (100,000 logs, first screen)", [BIN, "snapshot", "trace", BIG[100000]],
             console_trace_pairs(BIG[100000], 100000)),
            jobs_filter("failed", "failed", "jobs::page+status", ["'failed'"]),
            jobs_filter("stuck", "stuck", "jobs::page+stuck", [cutoff(900)]),
            jobs_filter("user 9", "user 9", "jobs::page+user", ["9"]),
            jobs_filter("24h", "24h", "jobs::page+age", [cutoff(86400)]),
            jobs_filter("failed user 9 7d", "failed user 9 7d", "jobs::page+status+user+age", ["'failed'", "9", cutoff(7 * 86400)]),
            # The incident: 300,000 failed jobs in the window, the cap of
            # 50,000 reached. `groups` reads one statement (the 24 h window,
            # stuck after 900 s, one over the cap, the database's clock).
            ("groups --json (cap 50,000 reached)", [BIN, "groups", "--json"], GROUPS_PAIRS),
            # The groups view's first screen: the same read, laid out as
            # lines (the console's view is not wired yet; its start's counts
            # and doors are the job queue snapshot's).
            ("groups (text, the view's first screen)", [BIN, "groups"], GROUPS_PAIRS),
            # The Jobs header's retry-storm read, on the incident: the job
            # queue's first screen (counts, doors, the page) with the storm
            # read the counts carry; psql runs the same statements.
            ("snapshot: job queue with the header's storm read (groups::storm_recent)", [BIN, "snapshot"],
             first_screen + [STORM_RECENT, ("jobs::page", ["200"])]),
            # The storm read alone, psql's side only: its share of the above.
            ("groups::storm_recent alone (psql)", None, [STORM_RECENT]),
        ]
        if a.only:
            figures = [f for f in figures if a.only in f[0]]
        measuring = time.perf_counter()
        for i, (label, cmd, pairs) in enumerate(figures):
            done = time.perf_counter() - measuring
            left = f", ~{done / i * (len(figures) - i):.0f} s left" if i else ""
            stage(f"figure {i + 1}/{len(figures)}: {label}{left}")
            script = psql_script(pairs)
            if cmd is None:
                timed(psql, penv, script)
                theirs = [timed(psql, penv, script) for _ in range(a.runs)]
                rows.append((label, "", f"{ms(min(theirs))}–{ms(max(theirs))}", ms(statistics.median(theirs)), ""))
                continue
            timed(cmd, env)
            timed(psql, penv, script)
            ours, theirs = [], []
            for _ in range(a.runs):
                ours.append(timed(cmd, env))
                theirs.append(timed(psql, penv, script))
            m, p = statistics.median(ours), statistics.median(theirs)
            rows.append((label, ms(m), f"{ms(min(ours))}–{ms(max(ours))}", ms(p), f"{m / p:.2f}×"))
            if label.startswith("groups --json"):
                # The same statements in psql with the server's default JIT
                # (what a psql session gets): the plan's cost compiles it.
                jit = [timed(psql, env, script) for _ in range(3)]
                rows.append(("  psql, server's default JIT (3 runs)", "", f"{ms(min(jit))}–{ms(max(jit))}",
                             ms(statistics.median(jit)), f"{m / statistics.median(jit):.2f}×"))
        sh(psql + ["-c", "ALTER SYSTEM SET log_min_duration_statement = 50"], env=env)
        sh(psql + ["-c", "ALTER SYSTEM SET log_line_prefix = '%m [%p] app=%a '"], env=env)
        sh(psql + ["-c", "SELECT pg_reload_conf()"], env=env, stdout=subprocess.DEVNULL)
        log = os.path.join(socket_dir, "server.log")

        def slow_since(start):
            with open(log, errors="replace") as f:
                f.seek(start)
                return [l for l in f if "app=lockdesk" in l and "duration:" in l]

        # What the groups view would run while open (the view is not wired
        # yet, so the commands run them): its read of the 24 h window, and a
        # running job's typical duration (`job <id> --json`, at most once a
        # minute in the console).
        if not a.only or "groups" in a.only or "storm" in a.only:
            running = subprocess.run(psql + ["-c", "SELECT id FROM reconcile_jobs WHERE status = 'running' ORDER BY id LIMIT 1"],
                                     env=env, check=True, capture_output=True, text=True).stdout.strip()
            # The header's storm read runs at the counts' pace while the
            # queue is open: each console start reads it once.
            for name, cmd in [("groups::troubled", [BIN, "groups", "--json"]),
                              ("groups::typical_duration", [BIN, "job", running, "--json"] if running else None),
                              ("groups::storm_recent", [BIN, "snapshot"])]:
                if cmd is None:
                    continue
                offset = os.path.getsize(log)
                for _ in range(3):
                    timed(cmd, env)
                slow = [l for l in slow_since(offset) if f"lockdesk:{name}" in l]
                d = [float(m.group(1)) for l in slow for m in [re.search(r"duration: ([\d.]+) ms", l)] if m]
                rows.append((f"statements over 50 ms ({name}, 3 runs)", str(len(d)),
                             f"max {max(d):.1f} ms" if d else "", "", ""))
        if a.only:
            return print_rows(rows)
        for label, cmd in [("peak RSS: trace --json (20,000 logs)", [BIN, "trace", BIG[20000], "--json"]),
                           ("peak RSS: snapshot of the 20,000-log trace", [BIN, "snapshot", "trace", BIG[20000]]),
                           ("peak RSS: snapshot of the 100,000-log trace", [BIN, "snapshot", "trace", BIG[100000]])]:
            rows.append((label, f"{rss_kib(cmd, env) / 1024:.1f} MiB", "", "", ""))

        # Key press → painted frame on the 500-log trace, and RSS while paging
        # the whole queue: the console benchmark, on this database.
        bench_env = dict(env, LOCKDESK_BENCH_DATABASE_URL=url, LOCKDESK_BENCH_TRACE=BIG[500])
        out = subprocess.run(["cargo", "bench", "--quiet", "--bench", "console"], env=bench_env, check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("key press → painted trace"):
                m = re.search(r"median\s+([\d.]+) ms\s+p90\s+([\d.]+) ms\s+max\s+([\d.]+) ms", line)
                rows.append(("key press → painted frame (500-log trace)", f"{m.group(1)} ms", f"p90 {m.group(2)} ms, max {m.group(3)} ms", "", ""))
            if line.startswith("browse the whole job queue"):
                m = re.search(r"(\d+) pages in ([\d.]+) s; peak RSS (\d+) MiB", line)
                rows.append(("peak RSS: paging the whole queue (PageDown)", f"{m.group(3)} MiB", f"{m.group(1)} pages, {m.group(2)} s", "", ""))

        # Statements over 50 ms during a tour of every pane, the console open 30 s.
        offset = os.path.getsize(log)
        if shutil.which("tmux"):
            session = f"lockdesk-bench-{os.getpid()}"
            sh(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "45",
                "env", f"DATABASE_URL={url}", "LOCKDESK_CONFIG_DIR=/nonexistent-lockdesk-bench", BIN], env=env)
            for keys in ["", "2", "3", "4", "5", "1"]:
                time.sleep(5)
                if keys:
                    sh(["tmux", "send-keys", "-t", session, keys], env=env)
            sh(["tmux", "send-keys", "-t", session, "q"], env=env)
            time.sleep(1)
            subprocess.run(["tmux", "kill-session", "-t", session], stderr=subprocess.DEVNULL)
        # Every pane once more, headless (the big traces are counted apart:
        # reading 20,000 logs is over 50 ms in psql too; the groups' one read
        # of 50,000 jobs is counted above).
        big = lambda label: "3,000" in label or "20,000" in label or label.startswith("groups")
        for label, cmd, _ in figures:
            if cmd is not None and not big(label):
                timed(cmd, env)
        slow = slow_since(offset)
        rows.append(("statements over 50 ms (tour + console open 30 s)", str(len(slow)), "", "", ""))
        for l in slow[:10]:
            print("  slow:", l.strip()[:200])
        offset = os.path.getsize(log)
        timed([BIN, "snapshot", "trace", BIG[20000]], env)
        slow = slow_since(offset)
        rows.append(("statements over 50 ms (opening the 20,000-log trace)", str(len(slow)), "", "", ""))
        for l in slow[:10]:
            print("  slow (20,000-log trace):", l.strip()[:200])
        print_rows(rows)
    finally:
        demo.terminate()
        demo.wait()


def print_rows(rows):
    print()
    print(f"{'figure':<58} {'lockdesk':>11} {'spread':>22} {'psql':>11} {'ratio':>7}", flush=True)
    for r in rows:
        print(f"{r[0]:<58} {r[1]:>11} {r[2]:>22} {r[3]:>11} {r[4]:>7}", flush=True)


if __name__ == "__main__":
    main()
