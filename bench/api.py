"""API throughput against a one-INSERT baseline on the same stack, on SQLite (the `make run`
configuration) and on PostgreSQL, with SQL statements per request and the dispatcher's CPU per call.

For each database, starts gunicorn and a dispatcher (`bench.baseline:app`), then from a
second process loads, for a fixed number of requests each:
  baseline  POST /api/_bench/insert      (one SQLAlchemy INSERT + commit; a JSON face, like the API)
  calls     POST /api/v1/calls           (distinct numbers)
  verify    POST /api/v1/calls/{id}/verify  (the right code, read from the database)
and prints requests/s, p50/p99 and the ratio to the baseline; then places calls at a fixed
rate (50/s) and prints the time from API accept (created_at) to gateway dial (dialed_at).
Then money: a service priced at 1,000 Rial whose account already holds 1,000,000 ledger rows,
against the free service, in alternating rounds (calls and verify), and accept→dial for it.
Then history: 1,000,000 calls (90 days, with their events) written behind the free service, and
the loads and accept→dial again, as ratios of the same measures on the empty tables.

    .venv/bin/python bench/api.py [--databases sqlite,postgresql] [--requests 1000] [--concurrency 16]
                                  [--rate 50] [--seconds 10] [--rounds 2] [--ledger-rows 1000000]
                                  [--history 1000000]
    .venv/bin/python bench/api.py --databases sqlite --tiers 1x1,1x4,1x8,2x1,2x4 [--rounds 1]
                                  (each gunicorn tier on its own stack: to choose `make run`'s default)
PostgreSQL server: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
The dispatcher alone (calls/s, CPU per call, set-based against bare SQL): bench/dispatcher.py.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.live.stack import Stack  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


# ---- the load generator (runs in a second process) -------------------------------------

def _load(spec):
    """Send spec['requests'] (method, url, json) with spec['concurrency'] threads; return timings."""
    local = threading.local()

    def session():
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(spec.get("headers", {}))
        return local.session

    def one(request):
        url, body = request
        start = time.perf_counter()
        response = session().post(url, json=body, timeout=30)
        return (time.perf_counter() - start, response.status_code,
                response.text if response.status_code >= 300 else "", int(response.headers.get("X-Statements", 0)))

    started = time.perf_counter()
    with ThreadPoolExecutor(spec["concurrency"]) as pool:
        results = list(pool.map(one, spec["requests"]))
    elapsed = time.perf_counter() - started
    errors = [r for r in results if r[1] >= 300]
    return {"elapsed": elapsed, "latencies": [r[0] for r in results],
            "statements": statistics.mean(r[3] for r in results) if results else 0,
            "errors": len(errors), "first_error": errors[0][2][:300] if errors else None,
            "responses": [r[2] for r in results] if spec.get("keep") else None}


def run_load(spec):
    """Run _load in a separate Python process (so the load doesn't share our GIL)."""
    done = subprocess.run([sys.executable, __file__, "--load-worker"], input=json.dumps(spec),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _paced(url, headers, phones, rate):
    """Open-loop: one POST every 1/rate seconds, each in its own thread."""
    session = requests.Session()
    session.headers.update(headers)
    interval, start, threads = 1.0 / rate, time.perf_counter(), []
    for index, phone in enumerate(phones):
        delay = start + index * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=lambda p=phone: requests.post(url, json={"phone": p}, headers=headers, timeout=30))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


# ---- the benchmark ------------------------------------------------------------------------

def report(name, result, baseline=None):
    rps = len(result["latencies"]) / result["elapsed"]
    line = (f"{name:<12} {rps:8.1f} req/s   p50 {1000 * percentile(result['latencies'], 0.5):6.1f} ms"
            f"   p99 {1000 * percentile(result['latencies'], 0.99):6.1f} ms   errors {result['errors']}")
    line += f"   SQL/request {result['statements']:4.1f}"
    if baseline:
        line += f"   ratio {rps / baseline:5.2f}"
    print(line, flush=True)
    if result["first_error"]:
        print("          first error:", result["first_error"])
    return rps


def wait_dialed(stack, timeout=180):
    """Until no call is queued, dialing or ringing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.query("SELECT count(*) FROM call WHERE status IN ('queued','dialing','ringing')")[0][0] == 0:
            return
        time.sleep(0.2)
    raise SystemExit("calls were not all dispatched in time")


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def delivered_codes(stack, phone_prefix, limit):
    rows = stack.query("SELECT id, caller_number, code_length FROM call WHERE status = 'delivered' AND phone LIKE %s"
                       " ORDER BY created_at DESC LIMIT %s", (phone_prefix + "%", limit))
    return [(call_id, caller[-length:]) for call_id, caller, length in rows]


def calls_and_verify(stack, headers, prefix, args):
    """(calls load, verify load, dispatcher CPU ms per call during the calls)."""
    base, n = stack.base_url, args.requests
    pid = stack.dispatchers[0].pid
    cpu = cpu_seconds(pid)
    calls = run_load({"requests": [(base + "/api/v1/calls", {"phone": f"{prefix}{i:07d}"}) for i in range(n)],
                      "concurrency": args.concurrency, "headers": headers})
    wait_dialed(stack)
    dispatcher_ms = 1000 * (cpu_seconds(pid) - cpu) / n
    codes = delivered_codes(stack, "+98" + prefix[1:], n)
    verify = run_load({"requests": [(f"{base}/api/v1/calls/{cid}/verify", {"code": code}) for cid, code in codes],
                       "concurrency": args.concurrency, "headers": headers})
    return calls, verify, dispatcher_ms


def api_rounds(stack, headers, args, prefixes=("0912", "0913", "0914", "0915", "0916", "0917")):
    def baseline():
        return run_load({"requests": [(stack.base_url + "/api/_bench/insert", {}) for _ in range(args.requests)],
                         "concurrency": args.concurrency})

    def rps(result):
        return len(result["latencies"]) / result["elapsed"]

    baseline()  # warm up
    ratios, speeds = {"calls": [], "verify": []}, {"calls": [], "verify": []}
    prefixes = iter(prefixes)
    for round_ in range(args.rounds):
        before = baseline()
        calls, verify, dispatcher_ms = calls_and_verify(stack, headers, next(prefixes), args)
        after = baseline()
        floor = (rps(before) + rps(after)) / 2
        print(f"round {round_ + 1}:", flush=True)
        report("baseline", before)
        ratios["calls"].append(report("calls", calls, floor) / floor)
        ratios["verify"].append(report("verify", verify, floor) / floor)
        speeds["calls"].append(rps(calls))
        speeds["verify"].append(rps(verify))
        report("baseline", after)
        print(f"dispatcher   {dispatcher_ms:6.2f} CPU ms per call", flush=True)
    print("ratio to baseline, mean of rounds: " + ", ".join(
        f"{name} {statistics.mean(values):.2f} (min {min(values):.2f})" for name, values in ratios.items()), flush=True)
    return {name: statistics.mean(values) for name, values in ratios.items()} | {
        f"{name} req/s": statistics.mean(values) for name, values in speeds.items()}


def accept_to_dial(stack, headers, prefix, args, label="accept→dial"):
    count = args.rate * args.seconds
    _paced(stack.base_url + "/api/v1/calls", headers, [f"{prefix}{i:07d}" for i in range(count)], args.rate)
    wait_dialed(stack)
    if stack.pg:
        sql = ("SELECT EXTRACT(EPOCH FROM dialed_at - created_at) * 1000 FROM call"
               " WHERE dialed_at IS NOT NULL AND phone LIKE %s")
    else:
        sql = ("SELECT (julianday(dialed_at) - julianday(created_at)) * 86400000 FROM call"
               " WHERE dialed_at IS NOT NULL AND phone LIKE %s")
    gaps = [row[0] for row in stack.query(sql, ("+98" + prefix[1:] + "%",))]
    if not gaps:  # e.g. a priced service whose credit (--ledger-rows) the loads before used up
        print(f"{label} at {args.rate}/s  no call was dialled (refused? see the web log: {stack.tmp})", flush=True)
        return float("nan"), float("nan")
    print(f"{label} at {args.rate}/s  n={len(gaps)}  p50 {percentile(gaps, 0.5):6.1f} ms"
          f"  p99 {percentile(gaps, 0.99):6.1f} ms  max {max(gaps):6.1f} ms", flush=True)
    return percentile(gaps, 0.5), percentile(gaps, 0.99)


def seed_ledger(stack, service_id, rows):
    """`rows` top-ups of 1,000 Rial on the service's account, and the stored balances to match."""
    account_id = stack.query("SELECT account_id FROM service WHERE id = %s", (service_id,))[0][0]
    if stack.pg:
        stack.query("INSERT INTO ledger_entry (account_id, service_id, kind, amount, balance_after, note, created_at)"
                    " SELECT %s, %s, 'topup', 1000, g * 1000, 'bench', now() - make_interval(secs => %s - g)"
                    " FROM generate_series(1, %s) AS g", (account_id, service_id, rows, rows))
    else:
        stack.query("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %s)"
                    " INSERT INTO ledger_entry (account_id, service_id, kind, amount, balance_after, note, created_at)"
                    " SELECT %s, %s, 'topup', 1000, n * 1000, 'bench', datetime('now', '-' || (%s - n) || ' seconds')"
                    " FROM g", (rows, account_id, service_id, rows))
    stack.query("UPDATE service SET credit = %s WHERE id = %s", (rows * 1000, service_id))
    stack.query("UPDATE account SET balance = (SELECT sum(credit) FROM service WHERE account_id = %s) WHERE id = %s",
                (account_id, account_id))
    stack.query("ANALYZE")


def priced(stack, free_headers, args):
    """Calls and verify on a priced service (its account holding a big ledger) against the free one."""
    key = stack.new_key("Priced", min_interval=0, daily_limit=1000, code_lifetime=60, price=1000)
    started = time.perf_counter()
    seed_ledger(stack, stack.last_service_id, args.ledger_rows)
    print(f"money: {args.ledger_rows:,} ledger rows seeded in {time.perf_counter() - started:.1f} s; "
          f"price 1,000 Rial against price 0, free loads bracketing the priced one", flush=True)
    headers = {"Authorization": f"Bearer {key}"}
    ratios = {"calls": [], "verify": []}
    prefixes = iter(["0935", "0936", "0937", "0938", "0939", "0990", "0991", "0992", "0993"])
    for round_ in range(args.rounds):
        free_before = calls_and_verify(stack, free_headers, next(prefixes), args)
        paid = calls_and_verify(stack, headers, next(prefixes), args)
        free_after = calls_and_verify(stack, free_headers, next(prefixes), args)
        print(f"round {round_ + 1}:", flush=True)
        for kind, index in (("calls", 0), ("verify", 1)):
            free = statistics.mean(len(r[index]["latencies"]) / r[index]["elapsed"] for r in (free_before, free_after))
            report(f"{kind}/0", free_before[index])
            ratios[kind].append(report(f"{kind}/1000", paid[index], free) / free)
            report(f"{kind}/0", free_after[index])
    print("priced ÷ free, mean of rounds: " + ", ".join(
        f"{name} {statistics.mean(values):.2f} (min {min(values):.2f})" for name, values in ratios.items()), flush=True)
    accept_to_dial(stack, headers, "0994", args, label="accept→dial priced")


def with_history(stack, headers, args, empty, dial_empty):
    """The same loads once the service has args.history calls behind it (bench/calldata.py, 90 days,
    written beside the running stack), against `empty` (api_rounds' figures) and `dial_empty` (p50, p99)
    measured on the same stack before: no request should be slower beyond noise."""
    from bench import calldata  # the app is imported here, not by every load-worker process
    from flashcall.db import db
    from flashcall.factory import create_app
    from flashcall.models import Service
    from flashcall.telephony import routing
    service_id = stack.query("SELECT id FROM service WHERE name = 'Bench'")[0][0]
    key_ids = [row[0] for row in stack.query("SELECT id FROM access_key WHERE service_id = %s", (service_id,))]
    saved = dict(os.environ)
    os.environ.update(stack.env)  # the app of the stack: its database, instance folder and secret
    try:
        with create_app().app_context():
            gateway = routing.gateway_for(db.session.get(Service, service_id))  # as its calls went out
            seconds = calldata.append(service_id, key_ids, args.history, gateway_id=gateway.id)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    print(f"\nhistory: {args.history:,} calls of the bench's service (90 days, with their events) written in "
          f"{seconds:.0f} s; the same loads again", flush=True)
    full = api_rounds(stack, headers, args, prefixes=("0918", "0919", "0920", "0921", "0922", "0901"))
    dial_full = accept_to_dial(stack, headers, "0911", args)
    print(f"at {args.history:,} calls ÷ at 0 (ratios to the baseline): calls {full['calls'] / empty['calls']:.2f}, "
          f"verify {full['verify'] / empty['verify']:.2f}; accept→dial p50 {dial_empty[0]:.1f} → {dial_full[0]:.1f} ms, "
          f"p99 {dial_empty[1]:.1f} → {dial_full[1]:.1f} ms", flush=True)


# `make run`'s web tier (Makefile WORKERS, THREADS) and a production PostgreSQL install's.
TIERS = {"sqlite": (1, 4), "postgresql": (2, 4)}


def tier(text):
    """'2x4' → (2 workers, 4 threads)."""
    return tuple(int(part) for part in text.lower().split("x"))


@contextmanager
def serving(database, pg, env, workers, threads):
    """gunicorn (`workers` × `threads`) and one dispatcher on a scratch `database`, and the headers of a new
    key; several SQLite processes share their request limits through Redis, as `make run` requires."""
    if workers > 1 and database == "sqlite":
        env = env | {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"}
    with Stack(workers=workers, threads=threads, dispatchers=1, env=env,
               pg_url=pg if database == "postgresql" else None, app_module="bench.baseline:app") as stack:
        print(f"\n=== {database}: gunicorn {workers} workers x {threads} threads + 1 dispatcher", flush=True)
        key = stack.new_key("Bench", min_interval=0, daily_limit=1000, code_lifetime=60)
        yield stack, {"Authorization": f"Bearer {key}"}


def compare_tiers(database, pg, env, args):
    """One stack per gunicorn tier on `database`: calls and verify against the baseline, and accept→dial;
    a table at the end, to choose `make run`'s default by measurement."""
    rows = []
    for workers, threads in map(tier, args.tiers.split(",")):
        with serving(database, pg, env, workers, threads) as (stack, headers):
            figures = api_rounds(stack, headers, args)
            p50, p99 = accept_to_dial(stack, headers, "0910", args)
            rows.append((f"{workers} x {threads}", figures, p50, p99))
    print(f"\n{database}: tier        calls req/s (ratio)   verify req/s (ratio)   accept→dial p50 / p99")
    for name, figures, p50, p99 in rows:
        print(f"  {name:<8} {figures['calls req/s']:12.1f} ({figures['calls']:.2f}) {figures['verify req/s']:14.1f}"
              f" ({figures['verify']:.2f})   {p50:6.1f} / {p99:6.1f} ms", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ledger-rows", type=int, default=1_000_000)
    parser.add_argument("--history", type=int, default=1_000_000,
                        help="then the same loads with this many calls behind the service (0: skip)")
    parser.add_argument("--tiers", default="", help="instead, compare gunicorn tiers WxT,… on each database")
    args = parser.parse_args()
    pg = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    env = {"FLASHCALL_SIM_RING_DELAY": "0", "FLASHCALL_SIM_RING_SECONDS": "0"}
    for database in args.databases.split(","):
        if args.tiers:
            compare_tiers(database, pg, env, args)
            continue
        # SQLite as `make run` serves it; PostgreSQL as a production install would.
        with serving(database, pg, env, *TIERS[database]) as (stack, headers):
            print(f"{args.requests} requests per load, {args.concurrency} concurrent, from a second process; "
                  f"each load compared with baseline loads just before and after it ({args.rounds} rounds)", flush=True)
            empty = api_rounds(stack, headers, args)
            dial_empty = accept_to_dial(stack, headers, "0910", args)
            priced(stack, headers, args)
            if args.history:
                with_history(stack, headers, args, empty, dial_empty)


if __name__ == "__main__":
    if sys.argv[1:] == ["--load-worker"]:
        print(json.dumps(_load(json.loads(sys.stdin.read()))))
    else:
        main()
