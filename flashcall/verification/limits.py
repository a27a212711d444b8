"""Per-number limits (interval, daily), checked under a per-(service, phone) lock so they hold under concurrency."""
import math
from datetime import timedelta

from sqlalchemy import Integer, String, bindparam, func, select

from ..clock import tehran_day_start
from ..db import db, on_postgresql
from ..telephony import wakeup
from .errors import VerificationError


def lock_number(service_id, phone):
    """Hold the (service, phone) lock until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on (service, hash of the phone): no row is
    written, and two numbers whose hashes collide merely wait for each other. SQLite: every
    transaction already begins with BEGIN IMMEDIATE, which serialises all writers.
    Every caller is about to queue a call, so on PostgreSQL the same statement also wakes the
    dispatchers (the notification is delivered only if this transaction commits).
    """
    if not on_postgresql():
        db.session.connection()  # opens the (immediate) transaction: its BEGIN is all the lock there is
        return
    db.session.execute(LOCK_AND_WAKE, {"service_id": service_id, "phone": phone})


# Built once (with parameters), at import: mutation testing leaves it out, as it switches mutants on
# per test, long after; what it builds is tested through every new call on PostgreSQL.
def _lock_and_wake():  # pragma: no mutate block
    return select(func.pg_advisory_xact_lock(bindparam("service_id", type_=Integer),
                                             func.hashtext(bindparam("phone", type_=String))),
                  wakeup.notification())


LOCK_AND_WAKE = _lock_and_wake()


def _seconds(delta):
    return max(1, math.ceil(delta.total_seconds()))


def check(service, history, now):
    """The interval and the daily limit, from the number's History (read after its lock)."""
    _interval(service, history.last_at, now)
    _daily(service, history.today, now)


def _interval(service, last, now):
    if last is None or service.min_interval_seconds <= 0:
        return
    next_allowed = last + timedelta(seconds=service.min_interval_seconds)
    if now < next_allowed:
        raise VerificationError("interval_limit", retry_after=_seconds(next_allowed - now))


def _daily(service, count, now):
    day_start = tehran_day_start(now)
    if count >= service.daily_limit:
        next_day = tehran_day_start(day_start + timedelta(hours=30))
        raise VerificationError("daily_limit", retry_after=_seconds(next_day - now))
