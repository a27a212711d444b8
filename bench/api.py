"""API throughput against a one-INSERT baseline on the same stack, and accept→dial latency.

Starts gunicorn (2 workers) and a dispatcher on a scratch PostgreSQL database, then from a
second process loads, for a fixed number of requests each:
  baseline  POST /api/_bench/insert      (one SQLAlchemy INSERT + commit; a JSON face, like the API)
  calls     POST /api/v1/calls           (distinct numbers)
  verify    POST /api/v1/calls/{id}/verify  (the right code, read from the database)
and prints requests/s, p50/p99 and the ratio to the baseline; then places calls at a fixed
rate (50/s) and prints the time from API accept (created_at) to gateway dial (dialed_at).
Then money: a service priced at 1,000 Rial whose account already holds 1,000,000 ledger rows,
against the free service, in alternating rounds (calls and verify), and accept→dial for it.

    .venv/bin/python bench/api.py [--requests 1000] [--concurrency 16] [--rate 50] [--seconds 10] [--rounds 2]
PostgreSQL server: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
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
        return time.perf_counter() - start, response.status_code, response.text if response.status_code >= 300 else ""

    started = time.perf_counter()
    with ThreadPoolExecutor(spec["concurrency"]) as pool:
        results = list(pool.map(one, spec["requests"]))
    elapsed = time.perf_counter() - started
    errors = [r for r in results if r[1] >= 300]
    return {"elapsed": elapsed, "latencies": [r[0] for r in results],
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
    line = (f"{name:<9} {rps:8.1f} req/s   p50 {1000 * percentile(result['latencies'], 0.5):6.1f} ms"
            f"   p99 {1000 * percentile(result['latencies'], 0.99):6.1f} ms   errors {result['errors']}")
    if baseline:
        line += f"   ratio to baseline {rps / baseline:5.2f}"
    print(line, flush=True)
    if result["first_error"]:
        print("          first error:", result["first_error"])
    return rps


def wait_dialed(db_url, count, timeout=120):
    deadline = time.monotonic() + timeout
    with psycopg.connect(db_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            undone = conn.execute("SELECT count(*) FROM call WHERE status IN ('queued','dialing','ringing')").fetchone()[0]
            total = conn.execute("SELECT count(*) FROM call").fetchone()[0]
            if total >= count and undone == 0:
                return
            time.sleep(0.2)
    raise SystemExit("calls were not all dispatched in time")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ledger-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    pg = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

    env = {"FLASHCALL_SIM_RING_DELAY": "0", "FLASHCALL_SIM_RING_SECONDS": "0"}
    with Stack(workers=2, threads=4, dispatchers=1, env=env, pg_url=pg, app_module="bench.baseline:app") as stack:
        key = stack.new_key("Bench", min_interval=0, daily_limit=1000, code_lifetime=60)
        headers = {"Authorization": f"Bearer {key}"}
        base, n = stack.base_url, args.requests
        print(f"gunicorn 2 workers x 4 threads + 1 dispatcher, PostgreSQL; {n} requests per load, "
              f"{args.concurrency} concurrent, from a second process; every load is bracketed by "
              f"baseline loads and compared with their mean ({args.rounds} rounds)", flush=True)

        def baseline():
            return run_load({"requests": [(base + "/api/_bench/insert", {}) for _ in range(n)],
                             "concurrency": args.concurrency})

        def rps(result):
            return len(result["latencies"]) / result["elapsed"]

        run_load({"requests": [(base + "/api/_bench/insert", {}) for _ in range(50)], "concurrency": args.concurrency})
        ratios = {"calls": [], "verify": []}
        for round_ in range(args.rounds):
            before = baseline()
            calls = run_load({"requests": [(base + "/api/v1/calls", {"phone": f"09{round_ + 12}{i:07d}"})
                                           for i in range(n)],
                              "concurrency": args.concurrency, "headers": headers})
            middle = baseline()
            wait_dialed(stack.pg.url, n * (round_ + 1))
            with psycopg.connect(stack.pg.url) as conn:
                rows = conn.execute("SELECT id, caller_number, code_length FROM call WHERE status = 'delivered'"
                                    " ORDER BY created_at DESC LIMIT %s", (n,)).fetchall()
            verify = run_load({"requests": [(f"{base}/api/v1/calls/{cid}/verify", {"code": caller[-length:]})
                                            for cid, caller, length in rows],
                               "concurrency": args.concurrency, "headers": headers})
            after = baseline()
            print(f"round {round_ + 1}:", flush=True)
            report("baseline", before)
            ratios["calls"].append(report("calls", calls, (rps(before) + rps(middle)) / 2) / ((rps(before) + rps(middle)) / 2))
            report("baseline", middle)
            ratios["verify"].append(report("verify", verify, (rps(middle) + rps(after)) / 2) / ((rps(middle) + rps(after)) / 2))
            report("baseline", after)
        print("ratio to baseline, mean of rounds: " + ", ".join(
            f"{name} {statistics.mean(values):.2f} (min {min(values):.2f})" for name, values in ratios.items()), flush=True)

        print(f"\naccept→dial at {args.rate} calls/s for {args.seconds} s:", flush=True)
        with psycopg.connect(stack.pg.url, autocommit=True) as conn:
            conn.execute("DELETE FROM call_event")
            conn.execute("DELETE FROM sim_inbox_entry")
            conn.execute("DELETE FROM webhook_delivery")
            conn.execute("DELETE FROM call")
        total = args.rate * args.seconds
        _paced(base + "/api/v1/calls", headers, [f"0913{i:07d}" for i in range(total)], args.rate)
        wait_dialed(stack.pg.url, total)
        with psycopg.connect(stack.pg.url) as conn:
            gaps = [row[0] for row in conn.execute(
                "SELECT EXTRACT(EPOCH FROM dialed_at - created_at) * 1000 FROM call WHERE dialed_at IS NOT NULL")]
        print(f"accept→dial  n={len(gaps)}  p50 {percentile(gaps, 0.5):6.1f} ms  p99 {percentile(gaps, 0.99):6.1f} ms"
              f"  max {max(gaps):6.1f} ms  mean {statistics.mean(gaps):6.1f} ms")

        priced(stack, args, headers)


def seed_ledger(db_url, service_id, rows):
    """`rows` top-ups of 1,000 Rial on the service's account, and the stored balances to match."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        account_id = conn.execute("SELECT account_id FROM service WHERE id = %s", (service_id,)).fetchone()[0]
        conn.execute("INSERT INTO ledger_entry (account_id, service_id, kind, amount, balance_after, note, created_at)"
                     " SELECT %s, %s, 'topup', 1000, g * 1000, 'bench', now() - make_interval(secs => %s - g)"
                     " FROM generate_series(1, %s) AS g", (account_id, service_id, rows, rows))
        conn.execute("UPDATE service SET credit = %s WHERE id = %s", (rows * 1000, service_id))
        conn.execute("UPDATE account SET balance = (SELECT sum(credit) FROM service WHERE account_id = %s)"
                     " WHERE id = %s", (account_id, account_id))
        conn.execute("ANALYZE ledger_entry")


def priced(stack, args, free_headers):
    """Calls and verify on a priced service (with a big ledger) beside the free service, same run."""
    key = stack.new_key("Priced", min_interval=0, daily_limit=1000, code_lifetime=60, price=1000)
    started = time.perf_counter()
    seed_ledger(stack.pg.url, stack.last_service_id, args.ledger_rows)
    print(f"\nmoney: {args.ledger_rows:,} ledger rows seeded in {time.perf_counter() - started:.1f} s; "
          f"price 1,000 Rial vs price 0, alternating, {args.rounds} rounds", flush=True)
    headers = {"Authorization": f"Bearer {key}"}
    base, n = stack.base_url, args.requests
    ratios = {"calls": [], "verify": []}
    for round_ in range(args.rounds):
        loads = {}
        for name, auth, prefix in (("free", free_headers, "0915"), ("priced", headers, "0916"),
                                   ("free", free_headers, "0917")):
            calls = run_load({"requests": [(base + "/api/v1/calls", {"phone": f"{prefix}{round_}{i:06d}"})
                                           for i in range(n)], "concurrency": args.concurrency, "headers": auth})
            wait_dialed(stack.pg.url, 0)
            with psycopg.connect(stack.pg.url) as conn:
                rows = conn.execute("SELECT id, caller_number, code_length FROM call WHERE status = 'delivered'"
                                    " AND phone LIKE %s ORDER BY created_at DESC LIMIT %s",
                                    (f"+98{prefix[1:]}{round_}%", n)).fetchall()
            verify = run_load({"requests": [(f"{base}/api/v1/calls/{cid}/verify", {"code": caller[-length:]})
                                            for cid, caller, length in rows],
                               "concurrency": args.concurrency, "headers": auth})
            loads.setdefault(name, []).append((calls, verify))
        print(f"round {round_ + 1}:", flush=True)
        for kind, index in (("calls", 0), ("verify", 1)):
            for pair in loads["free"]:  # the free loads bracket the priced one
                report(f"{kind}/0", pair[index])
            free = statistics.mean(len(pair[index]["latencies"]) / pair[index]["elapsed"] for pair in loads["free"])
            ratios[kind].append(report(f"{kind}/1000", loads["priced"][0][index], free) / free)
    print("priced ÷ free, mean of rounds: " + ", ".join(
        f"{name} {statistics.mean(values):.2f} (min {min(values):.2f})" for name, values in ratios.items()), flush=True)

    count = args.rate * args.seconds
    _paced(base + "/api/v1/calls", headers, [f"0918{i:07d}" for i in range(count)], args.rate)
    wait_dialed(stack.pg.url, 0)
    with psycopg.connect(stack.pg.url) as conn:
        gaps = [row[0] for row in conn.execute(
            "SELECT EXTRACT(EPOCH FROM dialed_at - created_at) * 1000 FROM call"
            " WHERE dialed_at IS NOT NULL AND phone LIKE '+98918%'")]
    print(f"accept→dial priced  n={len(gaps)}  p50 {percentile(gaps, 0.5):6.1f} ms  p99 {percentile(gaps, 0.99):6.1f} ms"
          f"  max {max(gaps):6.1f} ms")


if __name__ == "__main__":
    if sys.argv[1:] == ["--load-worker"]:
        print(json.dumps(_load(json.loads(sys.stdin.read()))))
    else:
        main()
