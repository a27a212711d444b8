"""The overview's figures for an account: calls per day over the last 30 days, delivery and
verification rates, today against yesterday, the top services and recent failures."""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from ..clock import tehran_date
from ..db import db
from ..models import Call
from .filters import Criteria
from .summary import Figures, groups

DAYS = 30
TOP = 5
RECENT = timedelta(hours=1)


@dataclass
class Overview:
    days: list = field(default_factory=list)  # [(Tehran date, Figures)], oldest first
    total: Figures = field(default_factory=Figures)  # the DAYS days together
    services: list = field(default_factory=list)  # [(service id, Figures)], most calls first, at most TOP
    failing: list = field(default_factory=list)  # [(service id, failed calls, {reason: count})] in the last hour

    @property
    def today(self):
        return self.days[-1][1] if self.days else Figures()

    @property
    def yesterday(self):
        return self.days[-2][1] if len(self.days) > 1 else Figures()


def overview(scope, now):
    last = tehran_date(now)
    first = last - timedelta(days=DAYS - 1)
    criteria = Criteria(account_id=scope.account_id, service_ids=tuple(scope.services), first_day=first, last_day=last)
    result = Overview()
    by_day = {first + timedelta(days=n): Figures() for n in range(DAYS)}
    by_service = {}
    for day, service_id, _key_id, status, reason, answered, calls, cost in groups(criteria, now, by_day=True):
        figures = (status, reason, bool(answered), int(calls), int(cost))
        by_day[day].add(*figures)
        by_service.setdefault(service_id, Figures()).add(*figures)
        result.total.add(*figures)
    result.days = sorted(by_day.items())
    result.services = sorted(by_service.items(), key=lambda item: -item[1].calls)[:TOP]
    result.failing = failing(scope, now)
    return result


def recent_failures(service_ids, now):
    """SELECT of (service, reason, count) of the failed calls created in the last hour."""
    return (select(Call.service_id, Call.failure_reason, func.count())
            .where(Call.service_id.in_(service_ids), Call.status == "failed", Call.created_at >= now - RECENT)
            .group_by(Call.service_id, Call.failure_reason))


def failing(scope, now):
    """Services with failed calls created in the last hour, most failures first."""
    if not scope.services:
        return []
    rows = db.session.execute(recent_failures(tuple(scope.services), now)).all()
    services = {}
    for service_id, reason, count in rows:
        total, reasons = services.get(service_id, (0, {}))
        reasons[reason] = count
        services[service_id] = (total + count, reasons)
    return sorted(((sid, total, reasons) for sid, (total, reasons) in services.items()), key=lambda item: -item[1])
