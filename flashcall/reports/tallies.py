"""Day tallies: once every call of an account's Tehran day is final (and the day ended an hour
ago), its calls are counted per service, key, status, failure reason and answer, and kept, so a summary of
months reads a few hundred rows. Days not yet settled (today, yesterday) are counted live.

A tallied day never changes: final calls have no transitions. Whoever deletes calls (a purge)
must delete the tallies and TalliedDay rows of those days too, or keep them knowingly.
"""
from datetime import timedelta

from sqlalchemy import func, insert, literal_column, null, select
from sqlalchemy.exc import IntegrityError

from ..clock import tehran_date, tehran_midnight
from ..db import db
from ..models import Call, CallTally, Service, TalliedDay
from ..models.call import FINAL
from .queries import where_any

SETTLE_AFTER = timedelta(hours=1)
# Whether the phone picked up: an answered call's status becomes expired (or verified) later, its
# answered_at stays (a column of the call, not a look into its timeline per call counted).
ANSWERED = Call.answered_at.is_not(None).label("answered")
GROUP = (Call.service_id, Call.key_id, Call.status, Call.failure_reason)


def counting(conditions):
    """SELECT of (service, key, status, reason, answered, calls, cost) of the calls matching `conditions`."""
    # Grouped by the label, so the timeline is looked up once per call, not twice.
    return (select(*GROUP, ANSWERED, func.count(), func.coalesce(func.sum(Call.cost), 0)).where(*conditions)
            .group_by(*GROUP, literal_column("answered")))


def live(conditions):
    """The counts of the calls matching `conditions`, read now."""
    return db.session.execute(counting(conditions)).all()


def day_conditions(first, last):
    return [Call.created_at >= tehran_midnight(first), Call.created_at < tehran_midnight(last + timedelta(days=1))]


def settled_until(now):
    """The last Tehran day that may be tallied at `now`."""
    return tehran_date(now - SETTLE_AFTER) - timedelta(days=1)


def ensure(account_id, first, last, now):
    """Tally the settled days of [first, last] not tallied yet; returns every tallied day of it."""
    covered = set(db.session.scalars(select(TalliedDay.day).where(
        TalliedDay.account_id == account_id, TalliedDay.day >= first, TalliedDay.day <= last)))
    services = None
    day, until = first, min(last, settled_until(now))
    while day <= until:
        if day not in covered:
            if services is None:
                services = list(db.session.scalars(select(Service.id).where(Service.account_id == account_id)))
            if _tally(account_id, services, day):
                covered.add(day)
        day += timedelta(days=1)
    return covered


def _tally(account_id, services, day):
    """Count one day of the account's calls and keep the counts; False while some call is not final."""
    rows = live([Call.service_id.in_(services), *day_conditions(day, day)]) if services else []
    if any(row.status not in FINAL for row in rows):
        return False
    try:
        db.session.add(TalliedDay(account_id=account_id, day=day))
        if rows:
            db.session.execute(insert(CallTally), [
                {"service_id": service_id, "key_id": key_id, "day": day, "status": status,
                 "failure_reason": reason, "answered": bool(answered), "calls": calls, "cost": cost}
                for service_id, key_id, status, reason, answered, calls, cost in rows])
        db.session.commit()
    except IntegrityError:  # another request tallied the same day a moment ago
        db.session.rollback()
    return True


def tallied(criteria, first, last, by_day=False):
    """Summed tallies of [first, last] for the criteria's services, key and status (never a phone):
    (service, key, status, reason, answered, calls, cost) rows, or with by_day (day, service, None,
    status, …): per day and service, the keys summed (what the overview draws)."""
    table = CallTally.__table__.c
    key = null().label("key_id") if by_day else table.key_id
    group = (table.service_id, table.status, table.failure_reason, table.answered)
    conditions = [table.day >= first, table.day <= last]
    if criteria.key_id is not None:
        conditions.append(table.key_id == criteria.key_id)
    else:
        conditions.append(table.service_id.in_(criteria.service_ids))
    if criteria.status:
        conditions.append(table.status == criteria.status)
    columns = (table.service_id, key, table.status, table.failure_reason, table.answered,
               func.sum(table.calls), func.sum(table.cost))
    if by_day:
        return db.session.execute(select(table.day, *columns).where(*conditions)
                                  .group_by(table.day, *group)).all()
    return db.session.execute(select(*columns).where(*conditions).group_by(table.key_id, *group)).all()


def earliest_day(criteria):
    """The Tehran day of the criteria's first call (each service's oldest, read from its index)."""
    firsts = [db.session.scalar(select(func.min(Call.created_at)).where(Call.service_id == service_id))
              for service_id in criteria.service_ids]
    firsts = [moment for moment in firsts if moment is not None]
    return tehran_date(min(firsts)) if firsts else None


def live_days(criteria, first, last):
    """Counts of [first, last] read from the calls themselves, with every filter of the criteria."""
    return live([*where_any(criteria), *day_conditions(first, last)])
