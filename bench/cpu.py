"""CPU per request in one process, without HTTP, threads or a dispatcher: the product's own cost of
`POST /api/v1/calls` and of verify against the bench's one-INSERT baseline (bench.baseline), in
alternating batches, on SQLite and on PostgreSQL. Prints each batch's CPU ms per request and the
median of the batches' ratios. The HTTP figures under load are bench/api.py's; this one separates
what the code costs from what the stack and the concurrency do.

    .venv/bin/python bench/cpu.py [--databases sqlite,postgresql] [--batches 10] [--size 200]
PostgreSQL server: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _prepare(database, pg):
    """A scratch database, migrated, with a service and its key: (the environment serving it, the key,
    the scratch PostgreSQL database to drop or None)."""
    tmp, scratch = tempfile.mkdtemp(prefix="flashcall-cpu-"), None
    if database == "postgresql":
        sys.path.insert(0, str(ROOT))
        from tests.live.stack import ScratchPostgres
        scratch = ScratchPostgres(pg)
        url = scratch.url
    else:
        url = f"sqlite:///{tmp}/flashcall.db"
    env = {"DATABASE_URL": url, "FLASHCALL_INSTANCE": tmp, "SECRET_KEY": "bench-cpu",
           "FLASHCALL_API_RATE_LIMIT_PER_KEY": "1000000/minute", "FLASHCALL_API_RATE_LIMIT_PER_IP": "1000000/minute",
           "FLASHCALL_ADMIN_EMAIL": "admin@example.com", "FLASHCALL_ADMIN_PASSWORD": "bench-cpu-password"}

    def flask(*args):
        return subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", *args], cwd=ROOT,
                              env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout.strip()
    flask("db", "upgrade")
    flask("admin", "ensure")
    service_id = flask("service", "create", "--account-email", "admin@example.com", "--name", "CPU",
                       "--daily-limit", "1000", "--min-interval", "0").splitlines()[-1]
    return env, flask("key", "create", "--service", service_id, "--label", "cpu").splitlines()[-1], scratch


def measure(batches, size):
    """Runs in a process of its own per database (the app reads its environment at import)."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from sqlalchemy import text

    from bench.baseline import app
    from flashcall.db import db
    client, headers = app.test_client(), {"Authorization": "Bearer " + os.environ["BENCH_KEY"]}
    numbers = iter(range(10 ** 7))

    def baseline():
        assert client.post("/api/_bench/insert").status_code == 201

    def new_call():
        answer = client.post("/api/v1/calls", json={"phone": f"0912{next(numbers):07d}"}, headers=headers)
        assert answer.status_code == 201, answer.get_data(as_text=True)

    def ringing():
        """The queued calls, as if ringing (the dispatcher is not running), with their codes."""
        with app.app_context():
            codes = dict(db.session.execute(text("SELECT id, caller_number FROM call WHERE status = 'queued'")).all())
            db.session.execute(text("UPDATE call SET status = 'ringing' WHERE status = 'queued'"))
            db.session.commit()
        return codes

    def cpu_ms(work, count):
        started = time.process_time()
        for _ in range(count):
            work()
        return (time.process_time() - started) / count * 1000

    for _ in range(30):  # warm: compiled statements, caches, the key's cache entry
        baseline()
        new_call()
    ringing()
    rows = []
    for _ in range(batches):
        base, calls = cpu_ms(baseline, size), cpu_ms(new_call, size)
        todo = list(ringing().items())
        verify = cpu_ms(lambda: _verify(client, headers, todo.pop()), size)
        rows.append((base, calls, verify))
        print(f"  baseline {base:5.2f}  calls {calls:5.2f}  verify {verify:5.2f}  CPU ms per request", flush=True)
    ratio = {name: statistics.median(row[0] / row[index] for row in rows) for index, name in ((1, "calls"), (2, "verify"))}
    print(f"  median ratio to baseline: calls {ratio['calls']:.2f}, verify {ratio['verify']:.2f}", flush=True)


def _verify(client, headers, item):
    call_id, caller_number = item
    answer = client.post(f"/api/v1/calls/{call_id}/verify", json={"code": caller_number[-4:]}, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()
    pg = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    for database in args.databases.split(","):
        env, key, scratch = _prepare(database, pg)
        print(f"=== {database}: {args.batches} batches of {args.size} requests each, one process, no HTTP", flush=True)
        try:
            subprocess.run([sys.executable, __file__, "--measure", str(args.batches), str(args.size)], cwd=ROOT,
                           env={**os.environ, **env, "BENCH_KEY": key}, check=True)
        finally:
            if scratch is not None:
                scratch.drop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
