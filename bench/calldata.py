"""A large, realistic call history for the report benchmarks, written fast: the calls with bulk
inserts (executemany on SQLite, COPY on PostgreSQL), their timelines by INSERT … SELECT from the
calls' own timestamps, and the secondary indexes built once after the load.

    with app.app_context():
        email = fill(calls=1_000_000, days=90, services=5, keys_per_service=4)
"""
import random
from datetime import timedelta

from flask import current_app

from flashcall import accounts
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call, CallEvent

PASSWORD = "bench-password-42"
PRICE = 1_500  # Rial per delivered call
# (status, failure reason, share, rang, answered): what a month of traffic looks like. Every call is
# final, as the dispatcher's upkeep leaves calls older than their code lifetime: a call the phone
# answered has expired since (its timeline keeps the answer).
OUTCOMES = [
    ("verified", None, 0.58, True, False),
    ("expired", None, 0.15, True, False),
    ("failed", "busy", 0.06, False, False),
    ("failed", "unreachable", 0.06, False, False),
    ("failed", "rejected", 0.03, True, False),
    ("failed", "attempts", 0.03, True, False),
    ("expired", None, 0.05, True, True),
    ("canceled", None, 0.04, False, False),
]
CALL_COLUMNS = ("id", "service_id", "key_id", "phone", "caller_number", "code_length", "status", "attempts",
                "source", "created_at", "dialed_at", "ringing_at", "answered_at", "ended_at", "verified_at",
                "expires_at", "cost", "failure_reason", "gateway_id")
# A call's timeline in lifecycle order (event ids follow it): (kind, time column, which calls).
TIMELINE = [
    ("queued", "created_at", "1 = 1"),
    ("dialing", "dialed_at", "c.dialed_at IS NOT NULL"),
    ("ringing", "ringing_at", "c.ringing_at IS NOT NULL"),
    ("delivered", "ended_at", "c.ended_at > c.ringing_at AND (c.status IN ('verified', 'expired') "
                              "OR c.failure_reason = 'attempts')"),
    ("answered", "ended_at", "c.ended_at = c.ringing_at"),  # picked up at once
    ("verify_failed", "ended_at", "c.failure_reason = 'attempts'"),
    ("verify_failed", "ended_at", "c.failure_reason = 'attempts'"),
    ("verify_failed", "ended_at", "c.failure_reason = 'attempts'"),
    ("verified", "verified_at", "c.status = 'verified'"),
    ("expired", "expires_at", "c.status = 'expired'"),
    ("failed", "ended_at", "c.status = 'failed'"),
    ("canceled", "ended_at", "c.status = 'canceled'"),
]
BATCH = 20_000


def make_account(services, keys_per_service, email="bench@example.com"):
    """An account with `services` services of `keys_per_service` keys; returns (email, [(service id, [key ids])])."""
    owner = accounts.create_account("Bench Co", email, PASSWORD)
    made = []
    for number in range(1, services + 1):
        service = accounts.create_service(owner.account, f"سرویس {number}", price_per_call=PRICE,
                                          secrets_key=current_app.config["SECRETS_KEY"])
        keys = [accounts.create_key(service, f"کلید {number}-{k}")[0] for k in range(1, keys_per_service + 1)]
        made.append((service.id, [key.id for key in keys]))
    db.session.commit()
    return email, made


def _text(moment):
    # The text form SQLAlchemy stores in SQLite (and COPY reads): equal times compare equal as text.
    return moment.isoformat(" ", "microseconds")


def rows(services, calls, days, seed=13, now=None, gateway_id=None):
    """Call rows (tuples in CALL_COLUMNS order), oldest first, placed through `gateway_id`. Creation
    times are whole seconds, so many calls share one, as paging must handle."""
    rng = random.Random(seed)
    draw = rng.random
    cumulative, total = [], 0.0
    for outcome in OUTCOMES:
        total += outcome[2]
        cumulative.append((total, outcome))
    now = (now or utcnow()).replace(microsecond=0)
    span = days * 86_400
    phones = [f"+98912{n:07d}" for n in rng.sample(range(10_000_000), max(1, calls // 5))]
    start = now - timedelta(seconds=span)
    for offset in sorted(int(draw() * span) for _ in range(calls)):
        created = start + timedelta(seconds=offset)
        service_id, keys = services[int(draw() * len(services))]
        pick = draw() * total
        status, reason, _share, rang, answered = next(o for limit, o in cumulative if pick < limit)
        dialed = created + timedelta(milliseconds=20 + int(draw() * 380))
        ringing = dialed + timedelta(milliseconds=500 + int(draw() * 2500)) if rang else None
        ended = ringing if answered else (ringing or dialed) + timedelta(seconds=2 + int(draw() * 6))
        verified = ended + timedelta(seconds=5 + int(draw() * 50)) if status == "verified" else None
        h = f"{rng.getrandbits(128):032x}"
        yield (f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}", service_id,
               keys[int(draw() * len(keys))] if draw() > 0.02 else None,
               phones[int(draw() * len(phones))], f"+98219100{int(draw() * 10_000):04d}", 4, status,
               3 if reason == "attempts" else int(status == "verified"), "api", _text(created),
               None if status == "canceled" else _text(dialed), ringing and _text(ringing),
               _text(ended) if answered else None, _text(ended),
               verified and _text(verified), _text(created + timedelta(minutes=2)),
               PRICE if rang and reason != "rejected" else 0, reason, gateway_id)


def _batches(generated):
    batch = []
    for row in generated:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _load_sqlite(raw, generated, before=None):
    cursor = raw.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB: the primary key is a random UUID
    sql = f"INSERT INTO call ({', '.join(CALL_COLUMNS)}) VALUES ({', '.join('?' * len(CALL_COLUMNS))})"
    cursor.execute("BEGIN")
    for batch in _batches(generated):
        cursor.executemany(sql, batch)
    _insert_timelines(cursor, before)
    cursor.execute("COMMIT")
    cursor.execute("PRAGMA synchronous=NORMAL")


def _load_postgresql(raw, generated, before=None):
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY call ({', '.join(CALL_COLUMNS)}) FROM STDIN") as copy:
            for batch in _batches(generated):
                for row in batch:
                    copy.write_row(row)
        _insert_timelines(cursor, before)
    raw.commit()


def _insert_timelines(cursor, before=None):
    """Every call's events in one pass over the calls: each call joins the timeline steps it went through.
    `before`: only the calls created before that moment (those just loaded, not a live stack's own)."""
    steps = " UNION ALL ".join(f"SELECT {n} AS step, '{kind}' AS kind" for n, (kind, _c, _w) in enumerate(TIMELINE))
    at = " ".join(f"WHEN {n} THEN c.{column}" for n, (_k, column, _w) in enumerate(TIMELINE))
    which = " ".join(f"WHEN {n} THEN ({condition})" for n, (_k, _c, condition) in enumerate(TIMELINE))
    cursor.execute(
        f"INSERT INTO call_event (call_id, kind, at, detail) "
        f"SELECT c.id, t.kind, CASE t.step {at} END, CASE WHEN t.kind = 'failed' THEN c.failure_reason END "
        f"FROM call c CROSS JOIN ({steps}) t WHERE CASE t.step {which} END"
        + (f" AND c.created_at < '{_text(before)}'" if before is not None else ""))


def _secondary_indexes():
    return [index for model in (Call, CallEvent) for index in model.__table__.indexes]


def fill(calls=1_000_000, days=90, services=5, keys_per_service=4, now=None):
    """Inside an app context, on a migrated and empty database: the account, then `calls` calls and
    their events. Returns the owner's email (password PASSWORD)."""
    email, made = make_account(services, keys_per_service)
    db.session.close()
    indexes = _secondary_indexes()
    with db.engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
    connection = db.engine.raw_connection()
    try:
        load = _load_postgresql if db.engine.dialect.name == "postgresql" else _load_sqlite
        load(connection.driver_connection, rows(made, calls, days, now=now))
    finally:
        connection.close()
    with db.engine.begin() as conn:
        for index in indexes:
            index.create(conn)
    analyze()
    return email


def append(service_id, key_ids, calls, days=90, gateway_id=None):
    """Inside an app context, on a database in use (a benchmark's live stack): `calls` final calls of
    the service over the `days` before an hour ago, with their events; the indexes stay as they are
    (the live processes keep using them), so this is slower than fill(). Returns the seconds it took."""
    started = utcnow()
    before = started - timedelta(hours=1)
    db.session.close()  # on SQLite, a transaction of the session would hold the write lock
    connection = db.engine.raw_connection()
    try:
        load = _load_postgresql if db.engine.dialect.name == "postgresql" else _load_sqlite
        load(connection.driver_connection,
             rows([(service_id, key_ids)], calls, days, now=before, gateway_id=gateway_id), before)
    finally:
        connection.close()
    analyze()
    return (utcnow() - started).total_seconds()


def analyze():
    """Fresh planner statistics, as a production database has them (autovacuum, or ANALYZE)."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("VACUUM ANALYZE call")
            conn.exec_driver_sql("VACUUM ANALYZE call_event")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
