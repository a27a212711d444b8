"""Per-number limits (interval, daily), checked under a per-(service, phone) lock so they hold under concurrency."""
import math
from datetime import timedelta

from sqlalchemy import func, literal, select

from ..clock import tehran_day_start
from ..db import db, on_postgresql
from ..models import Call
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
        db.session.execute(select(literal(1)))  # opens the (immediate) transaction
        return
    db.session.execute(select(func.pg_advisory_xact_lock(service_id, func.hashtext(phone)),
                              wakeup.notification()))


def _seconds(delta):
    return max(1, math.ceil(delta.total_seconds()))


def _last_and_today(service, phone, now):
    """(latest created_at, calls since the Tehran day start) for the number, in one query."""
    row = db.session.execute(select(
        func.max(Call.created_at),
        func.count(Call.id).filter(Call.created_at >= tehran_day_start(now)))
        .where(Call.service_id == service.id, Call.phone == phone)).one()
    return row[0], row[1]


def check_limits(service, phone, now):
    """The interval and the daily limit, from one query."""
    last, count = _last_and_today(service, phone, now)
    _interval(service, last, now)
    _daily(service, count, now)


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
