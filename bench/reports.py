"""Reports on a million calls, on SQLite and PostgreSQL, against baselines measured in the same run.

For each database: migrate a scratch database, fill it with --calls calls and their events over
--days days (5 services, 20 keys; bench/calldata.py, bulk inserts), sign a client in, then measure
  pages     the reports page (full HTML) for 10 filter combinations: p50/p95
  summary   the summary fragment for the same combinations, and the summary queries alone: p95
  overview  the overview page: p95
  csv       the CSV download of every call: rows/s, time to the first rows, peak RSS growth,
            beside the database's own dump of the same rows (sqlite3 -csv, psql \\copy) as the floor
  xlsx      the XLSX download of every call: time and peak RSS growth, beside a bare xlsxwriter
            constant_memory loop writing the same rows
and print the figures, the ratios and the issue's targets.

    .venv/bin/python bench/reports.py [--calls 1000000] [--days 90] [--rounds 20] [--databases sqlite,postgresql]
PostgreSQL server: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres); a
scratch database is created there and dropped afterwards. Needs the sqlite3 and psql programs.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import xlsxwriter  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench import calldata  # noqa: E402
from flashcall.clock import utcnow  # noqa: E402
from flashcall.db import db  # noqa: E402
from flashcall.factory import create_app  # noqa: E402
from flashcall.models import AccessKey, Call, Service  # noqa: E402
from flashcall.reports import exports, summary  # noqa: E402
from flashcall.reports.filters import Criteria, Scope  # noqa: E402
from flashcall.reports.queries import newest_first  # noqa: E402
from tests.live.stack import ScratchPostgres  # noqa: E402

TARGETS = {"page p95": 150, "overview p95": 150, "csv ratio": 0.3, "xlsx ratio": 1.5, "rss": 64}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


# ---- memory: the peak resident set since the last reset (Linux) -------------------------

def rss_mb(field="VmRSS"):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    except OSError:
        pass


CPU = {}  # the last peak_growth()'s CPU seconds of this process, by its work's name


def peak_growth(work, name=None):
    """(result, seconds, peak RSS growth in MB) of work(); its CPU seconds in this process go to CPU[name]
    (the exports and the bare loop all run here: on a shared machine their CPU time moves less than the clock)."""
    reset_peak()
    before = rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    result = work()
    CPU[name] = time.process_time() - cpu
    return result, time.perf_counter() - start, rss_mb("VmHWM") - before


# ---- the database ---------------------------------------------------------------------

class Database:
    def __init__(self, kind, tmp):
        self.kind = kind
        if kind == "postgresql":
            self.scratch = ScratchPostgres(os.environ.get(
                "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
            self.url = self.scratch.url
            self.sqlalchemy_url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        else:
            self.scratch = None
            self.path = Path(tmp) / "bench.db"
            self.sqlalchemy_url = f"sqlite:///{self.path}"

    def drop(self):
        if self.scratch:
            self.scratch.drop()

    def dump(self, sql):
        """The database's own CSV dump of `sql`: (seconds, bytes)."""
        if self.kind == "postgresql":
            command = ["psql", self.url, "-X", "-q", "-c", f"\\copy ({sql}) to stdout csv"]
        else:
            command = ["sqlite3", "-csv", str(self.path), sql]
        start = time.perf_counter()
        with subprocess.Popen(command, stdout=subprocess.PIPE) as process:
            size = 0
            while chunk := process.stdout.read(1 << 20):
                size += len(chunk)
        if process.returncode:
            raise RuntimeError(f"{command[0]} failed")
        return time.perf_counter() - start, size


# ---- the measurements -----------------------------------------------------------------

def combinations(app):
    """Ten filters people use: none, quick ranges, a service, a key, statuses, phones."""
    with app.app_context():
        services = db.session.scalars(select(Service.id).order_by(Service.id)).all()
        key = db.session.scalar(select(AccessKey.id).order_by(AccessKey.id).limit(1))
        phone = db.session.scalar(select(Call.phone).order_by(Call.created_at.desc()).limit(1))
    return [
        ("everything, 90 days", ""),
        ("today", "range=today"),
        ("last 7 days", "range=7d"),
        ("last 30 days, one service", f"range=30d&service={services[1]}"),
        ("one key", f"key={key}"),
        ("failed", "status=failed"),
        ("verified, one service, 30 days", f"status=verified&service={services[2]}&range=30d"),
        ("phone prefix 09121", "phone=09121"),
        ("one phone number", f"phone={phone.replace('+98', '0')}"),
        ("one phone, verified, this month", f"phone={phone}&status=verified&range=month"),
    ]


def timed_gets(client, urls, rounds):
    """{url: [seconds]} over `rounds` rounds of every url."""
    latencies = {url: [] for url in urls}
    for _ in range(rounds):
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            latencies[url].append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
    return latencies


def flat(latencies):
    return [seconds for values in latencies.values() for seconds in values]


def summary_queries(app, account_id, combos, rounds):
    """Seconds of summary.summarize() alone for each combination's criteria."""
    from urllib.parse import parse_qsl
    from flashcall.clock import tehran_date
    from flashcall.reports import filters
    times = []
    with app.test_request_context():
        scope = Scope.of_account(account_id)
        parsed = [filters.from_dashboard(scope, dict(parse_qsl(query)), tehran_date(utcnow()))[0]
                  for _name, query in combos]
        for _ in range(rounds):
            for criteria in parsed:
                start = time.perf_counter()
                summary.summarize(criteria, utcnow())
                times.append(time.perf_counter() - start)
        db.session.rollback()
    return times


def csv_download(client):
    """Rows, seconds to the first rows, and the body's size, read as a browser would (streamed)."""
    start = time.perf_counter()
    response = client.get("/reports/export.csv", buffered=False)
    first, size, lines = None, 0, 0
    for chunk in response.response:
        if first is None and chunk.count(b"\n") > 1:
            first = time.perf_counter() - start
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return lines - 1, first, size


def xlsx_download(client):
    response = client.get("/reports/export.xlsx", buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return size


def bare_xlsx(app, statement, folder):
    """The floor: the same rows fetched and written by xlsxwriter (constant_memory) with nothing else."""
    with app.app_context():
        workbook = xlsxwriter.Workbook(str(folder / "bare.xlsx"), {"constant_memory": True, "tmpdir": str(folder)})
        sheet = workbook.add_worksheet()
        row = total = 0
        with db.engine.connect() as connection:
            result = connection.execution_options(stream_results=True).execute(statement)
            for batch in result.partitions(exports.BATCH):
                for values in batch:
                    if row >= exports.EXCEL_ROWS:
                        sheet, row = workbook.add_worksheet(), 0
                    sheet.write_row(row, 0, values)
                    row += 1
                total += len(batch)
        workbook.close()
    return total


def dump_sql(app, statement):
    with app.app_context():
        return str(statement.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))


def bench(kind, args):
    tmp = Path(tempfile.mkdtemp(prefix="flashcall-bench-reports-"))
    database = Database(kind, tmp)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database.sqlalchemy_url, "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            email = calldata.fill(calls=args.calls, days=args.days)
            filled = time.perf_counter() - start
            events = db.session.scalar(select(db.func.count()).select_from(db.metadata.tables["call_event"]))
            account_id = db.session.scalar(select(Service.account_id).limit(1))
        print(f"\n== {kind}: {args.calls:,} calls and {events:,} events over {args.days} days written in {filled:.0f} s")

        client = app.test_client()
        client.post("/auth/login", data={"email": email, "password": calldata.PASSWORD})
        combos = combinations(app)
        pages = [f"/reports/?{query}" for _name, query in combos]
        summaries = [f"/reports/summary?{query}" for _name, query in combos]

        start = time.perf_counter()
        client.get("/reports/summary")  # the first summary tallies every settled day
        first_summary = time.perf_counter() - start
        timed_gets(client, pages + summaries + ["/"], 1)  # warm caches
        page_times = timed_gets(client, pages, args.rounds)
        summary_times = flat(timed_gets(client, summaries, args.rounds))
        overview_times = flat(timed_gets(client, ["/"], args.rounds * 5))
        query_times = summary_queries(app, account_id, combos, args.rounds)
        slowest_url = max(page_times, key=lambda url: statistics.median(page_times[url]))
        slowest = next(name for name, query in combos if slowest_url == f"/reports/?{query}")
        with app.app_context():
            everything = newest_first(Criteria(account_id=account_id, service_ids=tuple(
                Scope.of_account(account_id).services)), exports.SELECTED)
        page_times = flat(page_times)

        (rows, first_rows, csv_size), csv_seconds, csv_rss = peak_growth(lambda: csv_download(client))
        floor_seconds, floor_size = database.dump(dump_sql(app, everything))
        xlsx_size, xlsx_seconds, xlsx_rss = peak_growth(lambda: xlsx_download(client), "xlsx")
        bare_rows, bare_seconds, bare_rss = peak_growth(lambda: bare_xlsx(app, everything, tmp), "bare")

        csv_rate, floor_rate = rows / csv_seconds, rows / floor_seconds
        figures = {
            "page p50": percentile(page_times, 0.5), "page p95": percentile(page_times, 0.95),
            "summary fragment p95": percentile(summary_times, 0.95),
            "summary query p95": percentile(query_times, 0.95),
            "overview p95": percentile(overview_times, 0.95),
        }
        print(f"first summary after the load (tallies {args.days} days once): {ms(first_summary)}")
        print(f"reports page, 10 filters × {args.rounds}: p50 {ms(figures['page p50'])}, "
              f"p95 {ms(figures['page p95'])} (target ≤ {TARGETS['page p95']} ms); "
              f"slowest filter by median: {slowest}")
        print(f"summary fragment, same filters: p95 {ms(figures['summary fragment p95'])}; "
              f"summary and breakdown queries alone: p95 {ms(figures['summary query p95'])}")
        print(f"overview page: p95 {ms(figures['overview p95'])} (target ≤ {TARGETS['overview p95']} ms)")
        print(f"CSV of {rows:,} rows: {csv_seconds:.1f} s = {csv_rate:,.0f} rows/s, first rows after "
              f"{ms(first_rows)}, {csv_size / 1e6:.0f} MB, peak RSS +{csv_rss:.0f} MB")
        floor_name = "psql \\copy" if kind == "postgresql" else "sqlite3 -csv"
        print(f"  floor ({floor_name}): {floor_seconds:.1f} s = "
              f"{floor_rate:,.0f} rows/s, {floor_size / 1e6:.0f} MB; ratio {csv_rate / floor_rate:.2f}× "
              f"(target ≥ {TARGETS['csv ratio']}×, RSS ≤ {TARGETS['rss']} MB)")
        print(f"XLSX of {rows:,} rows: {xlsx_seconds:.1f} s, {xlsx_size / 1e6:.0f} MB, peak RSS +{xlsx_rss:.0f} MB; "
              f"bare xlsxwriter loop: {bare_seconds:.1f} s ({bare_rows:,} rows), peak RSS +{bare_rss:.0f} MB; "
              f"ratio {xlsx_seconds / bare_seconds:.2f}× (target ≤ {TARGETS['xlsx ratio']}×)")
        print(f"  CPU seconds of this process: XLSX {CPU['xlsx']:.1f} s, bare loop {CPU['bare']:.1f} s, "
              f"ratio {CPU['xlsx'] / CPU['bare']:.2f}×")
    finally:
        database.drop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    for kind in args.databases.split(","):
        bench(kind.strip(), args)


if __name__ == "__main__":
    main()
