"""Per-number limits (interval, daily), checked under a per-(service, phone) lock so they hold under concurrency."""
import math
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..clock import tehran_day_start
from ..extensions import db
from ..models import Call, NumberLock
from .errors import VerificationError


def lock_number(service_id, phone):
    """Hold the (service, phone) lock until the transaction ends.

    PostgreSQL: an upserted lock row taken FOR UPDATE. SQLite: every transaction already
    begins with BEGIN IMMEDIATE, which serialises all writers.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(select(NumberLock.phone).limit(0))  # opens the (immediate) transaction
        return
    db.session.execute(pg_insert(NumberLock).values(service_id=service_id, phone=phone)
                       .on_conflict_do_nothing())
    db.session.execute(select(NumberLock.phone).where(
        NumberLock.service_id == service_id, NumberLock.phone == phone).with_for_update())


def _seconds(delta):
    return max(1, math.ceil(delta.total_seconds()))


def check_interval(service, phone, now):
    last = db.session.scalar(select(func.max(Call.created_at)).where(
        Call.service_id == service.id, Call.phone == phone))
    if last is None or service.min_interval_seconds <= 0:
        return
    next_allowed = last + timedelta(seconds=service.min_interval_seconds)
    if now < next_allowed:
        raise VerificationError("interval_limit", retry_after=_seconds(next_allowed - now))


def check_daily(service, phone, now):
    day_start = tehran_day_start(now)
    count = db.session.scalar(select(func.count(Call.id)).where(
        Call.service_id == service.id, Call.phone == phone, Call.created_at >= day_start))
    if count >= service.daily_limit:
        next_day = tehran_day_start(day_start + timedelta(hours=30))
        raise VerificationError("daily_limit", retry_after=_seconds(next_day - now))
