"""One dispatcher alone: how fast it drives queued calls to their end, and its CPU per call.

For each database: migrate a scratch database, queue --calls calls at once (one INSERT … SELECT),
then run the worker loop in this process (the simulator gateway, zero ring time, no web tier) until
every call is delivered. Printed: calls/s, and the process's CPU milliseconds per call (the
dispatcher thread, the simulator's thread and the network thread; start-up excluded).
The baseline, measured in the same run on the same database: the same number of calls moved
queued → dialing → ringing → delivered by bare SQL (one UPDATE and one INSERT of events per step
per batch of 200, as the dispatcher batches), the floor any dispatcher built on these tables has.

Then calls arriving at --rate per second for --seconds, in the small batches an API under load hands
the dispatcher: its CPU per call there, where per-batch work weighs more.

    .venv/bin/python bench/dispatcher.py [--calls 5000] [--rounds 2] [--databases postgresql,sqlite]
                                         [--rate 200] [--seconds 10]
PostgreSQL server: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""
import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from flashcall import accounts, worker  # noqa: E402
from flashcall.db import db  # noqa: E402
from flashcall.factory import create_app  # noqa: E402
from flashcall.settings import Settings  # noqa: E402
from flashcall.telephony import routing  # noqa: E402
from tests.live.stack import ScratchPostgres  # noqa: E402

BATCH = 200
TARGET = 500  # calls/s, the issue's


def _queue(count, service_id, gateway_id, pg):
    numbers = ("generate_series(1, :count) AS g(n)" if pg else
               "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :count) SELECT n FROM s) AS g")
    uuid = "gen_random_uuid()::text" if pg else "lower(hex(randomblob(16)))"
    now = "now() at time zone 'utc'" if pg else "datetime('now')"
    later = "now() at time zone 'utc' + interval '1 hour'" if pg else "datetime('now', '+1 hour')"
    db.session.execute(text(
        f"INSERT INTO call (id, service_id, phone, caller_number, code_length, status, attempts, source,"
        f" created_at, expires_at, cost, reserved, gateway_id)"
        f" SELECT {uuid}, :service, '+98930' || (1000000 + n), '+98219100' || (1000 + n % 9000), 4, 'queued',"
        f" 0, 'api', {now}, {later}, 0, 0, :gateway FROM {numbers}"),
        {"count": count, "service": service_id, "gateway": gateway_id})
    db.session.commit()


def _count(status):
    return db.session.execute(text("SELECT count(*) FROM call WHERE status = :s"), {"s": status}).scalar()


def baseline(app, count, service_id, gateway_id, pg):
    """Bare SQL moving `count` queued calls to delivered in batches: seconds."""
    with app.app_context():
        _queue(count, service_id, gateway_id, pg)
        now = "now() at time zone 'utc'" if pg else "datetime('now')"
        started = time.perf_counter()
        while True:
            ids = [row[0] for row in db.session.execute(text(
                "SELECT id FROM call WHERE status = 'queued' ORDER BY created_at LIMIT :n"), {"n": BATCH})]
            if not ids:
                break
            db.session.commit()
            for status in ("dialing", "ringing", "delivered"):
                params = [{"id": call_id} for call_id in ids]
                db.session.execute(text(f"UPDATE call SET status = '{status}' WHERE id = :id"), params)
                db.session.execute(text(f"INSERT INTO call_event (call_id, kind, at) VALUES (:id, '{status}', {now})"),
                                   params)
                db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.execute(text("DELETE FROM call_event"))
        db.session.execute(text("DELETE FROM call"))
        db.session.commit()
    return elapsed


def _clear():
    """Every call and what it left behind, for the next measure."""
    for table in ("webhook_delivery", "sim_inbox_entry", "call_event", "call"):
        db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


def dispatcher(app, count, service_id, gateway_id, pg):
    """One dispatcher draining `count` queued calls: (seconds, CPU seconds of this process)."""
    settings = Settings.from_config(app.config)
    with app.app_context():
        _queue(count, service_id, gateway_id, pg)
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(app, "bench", stop, settings), daemon=True)
        started, cpu = time.perf_counter(), time.process_time()
        thread.start()
        while _count("delivered") < count:
            db.session.close()
            time.sleep(0.05)
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        stop.set()
        thread.join(timeout=60)
        _clear()
    return elapsed, used


def trickle(app, rate, seconds, service_id, gateway_id, pg):
    """Calls queued at `rate` per second (a batch every 50 ms) for `seconds` while one dispatcher runs, as
    an API under load feeds it: (calls, the dispatcher's CPU seconds, this thread's queueing left out)."""
    settings = Settings.from_config(app.config)
    tick = 0.05
    per_tick = max(1, round(rate * tick))
    with app.app_context():
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(app, "bench", stop, settings), daemon=True)
        cpu, own = time.process_time(), time.thread_time()
        thread.start()
        count, until = 0, time.monotonic() + seconds
        while time.monotonic() < until:
            _queue(per_tick, service_id, gateway_id, pg)
            count += per_tick
            time.sleep(tick)
        deadline = time.monotonic() + 60
        while _count("delivered") < count and time.monotonic() < deadline:
            db.session.close()
            time.sleep(0.05)
        used = time.process_time() - cpu - (time.thread_time() - own)
        stop.set()
        thread.join(timeout=60)
        _clear()
    return count, used


def one_database(name, url, args):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SIM_RING_DELAY": 0.0, "SIM_RING_SECONDS": 0.0,
                      "RATELIMIT_ENABLED": False})
    pg = url.startswith("postgresql")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        user = accounts.create_account("Bench", "bench@example.com", "bench-password-42")
        service = accounts.create_service(user.account, "Bench", code_length=4,
                                          secrets_key=app.config["SECRETS_KEY"])
        gateway = routing.ensure_default_gateway()
        db.session.commit()
        service_id, gateway_id = service.id, gateway.id
    print(f"\n=== {name}: one dispatcher, {args.calls} calls queued at once, simulator with zero ring time", flush=True)
    ratios = []
    for round_ in range(1, args.rounds + 1):
        floor = baseline(app, args.calls, service_id, gateway_id, pg)
        seconds, cpu = dispatcher(app, args.calls, service_id, gateway_id, pg)
        rate, floor_rate = args.calls / seconds, args.calls / floor
        ratios.append(rate / floor_rate)
        print(f"round {round_}: dispatcher {rate:7.1f} calls/s, {1000 * cpu / args.calls:5.2f} CPU ms per call;"
              f" bare SQL {floor_rate:7.1f} calls/s; ratio {rate / floor_rate:.2f}", flush=True)
    print(f"{name}: target ≥ {TARGET} calls/s (PostgreSQL)", flush=True)
    if args.rate:
        count, cpu = trickle(app, args.rate, args.seconds, service_id, gateway_id, pg)
        print(f"{name}: {count} calls arriving at {args.rate}/s for {args.seconds} s (small batches, as under the API's"
              f" load): {1000 * cpu / count:5.2f} CPU ms per call", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rate", type=int, default=200, help="then calls arriving at this rate (0: skip)")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    server = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    for name in args.databases.split(","):
        if name == "postgresql":
            scratch = ScratchPostgres(server)
            try:
                one_database(name, scratch.url.replace("postgresql://", "postgresql+psycopg://"), args)
            finally:
                scratch.drop()
        else:
            with tempfile.TemporaryDirectory() as folder:
                one_database(name, f"sqlite:///{folder}/bench.db", args)


if __name__ == "__main__":
    main()
