"""Summaries of the calls a Criteria names: calls, delivered, verified, conversion, answered,
failures by reason and cost, in total and per service and per key. Whole settled days come from
the day tallies; the rest (unsettled days, any phone filter) is counted from the calls."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from ..clock import tehran_date
from . import tallies
from .queries import where_any

# A call reached the phone in these states (an expired code was delivered first); a call failed
# for wrong codes was delivered too.
DELIVERED = frozenset(("delivered", "answered", "verified", "expired"))


def delivered(status, reason):
    return status in DELIVERED or (status == "failed" and reason == "attempts")


@dataclass
class Figures:
    calls: int = 0
    delivered: int = 0
    verified: int = 0
    answered: int = 0
    failed: int = 0
    cost: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, status, reason, answered, calls, cost):
        self.calls += calls
        self.cost += cost
        if delivered(status, reason):
            self.delivered += calls
        if answered or status == "answered":
            self.answered += calls
        if status == "verified":
            self.verified += calls
        elif status == "failed":
            self.failed += calls
            self.reasons[reason] += calls
        return self

    @property
    def conversion(self):
        """Verified ÷ delivered, in percent (None before anything is delivered)."""
        return round(100 * self.verified / self.delivered, 1) if self.delivered else None

    @property
    def delivery_rate(self):
        return round(100 * self.delivered / self.calls, 1) if self.calls else None


@dataclass
class Summary:
    total: Figures = field(default_factory=Figures)
    services: dict = field(default_factory=dict)  # service id → Figures
    keys: dict = field(default_factory=dict)  # key id (None: calls from the dashboard) → Figures

    def add(self, service_id, key_id, status, reason, answered, calls, cost):
        self.total.add(status, reason, answered, calls, cost)
        self.services.setdefault(service_id, Figures()).add(status, reason, answered, calls, cost)
        self.keys.setdefault(key_id, Figures()).add(status, reason, answered, calls, cost)


def summarize(criteria, now):
    summary = Summary()
    for service_id, key_id, status, reason, answered, calls, cost in groups(criteria, now):
        summary.add(service_id, key_id, status, reason, bool(answered), int(calls), int(cost))
    return summary


def groups(criteria, now, by_day=False):
    """(service, key, status, reason, answered, calls, cost) rows, led by the Tehran day with by_day, that
    add up to the criteria's calls."""
    if not criteria.service_ids:
        return []
    if criteria.phone is not None or (criteria.start and not criteria.first_day):
        if by_day:
            raise ValueError("per-day counts need whole days and no phone filter")
        return tallies.live(where_any(criteria))
    last = criteria.last_day or tehran_date(now)
    first = criteria.first_day or tallies.earliest_day(criteria)
    if first is None or first > last:
        return []
    covered = tallies.ensure(criteria.account_id, first, last, now)
    rows = list(tallies.tallied(criteria, first, last, by_day))
    for run_first, run_last in _runs(first, last, covered, single_days=by_day):
        counted = tallies.live_days(criteria, run_first, run_last)
        rows.extend((run_first, *row) if by_day else row for row in counted)
    return rows


def _runs(first, last, covered, single_days=False):
    """The stretches of days in [first, last] not in `covered`, as (first, last) pairs."""
    runs, start, day = [], None, first
    while day <= last:
        if day in covered:
            if start is not None:
                runs.append((start, day - timedelta(days=1)))
                start = None
        elif single_days:
            runs.append((day, day))
        elif start is None:
            start = day
        day += timedelta(days=1)
    if start is not None:
        runs.append((start, last))
    return runs
