"""Calls moved as plain rows, without the ORM: the dispatcher's set-based path.

A batch of calls is read (and locked) with one SELECT; the engine's own transitions run on the rows
(lifecycle.transition reads and writes the same attributes on a row as on a Call, and a row keeps
its new events itself); the batch is written back with one UPDATE (executemany) and one INSERT of
its events. Webhooks, charges and the virtual phone are written as for any transition."""
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from ..db import db
from ..models import Call, CallEvent, Service

CALLS, EVENTS, SERVICES = Call.__table__, CallEvent.__table__, Service.__table__
WRITTEN = ("status", "dialed_at", "ringing_at", "answered_at", "ended_at", "verified_at", "failure_reason", "cost",
           "reserved", "lease_owner", "lease_expires_at")
READ = ("id", "service_id", "phone", "caller_number", "created_at", "expires_at") + WRITTEN


@dataclass(frozen=True)
class ServiceRow:
    """What a transition needs of the call's service: its account (charges) and webhook URL."""
    id: int
    account_id: int
    webhook_url: str | None


class CallRow:
    """A call read as a row; `new_events` are its timeline's additions, not yet written."""
    __slots__ = READ + ("service", "new_events")

    def __init__(self, values, service):
        for name, value in zip(READ, values):
            setattr(self, name, value)
        self.service = service
        self.new_events = []

    def add_event(self, kind, at, detail):
        self.new_events.append({"call_id": self.id, "kind": kind, "at": at, "detail": detail})


# Built once, at import (building it per batch cost more than running it); mutation testing switches
# mutants on per test, long after import, so it leaves the builder out.
def _locking():  # pragma: no mutate block
    return (select(*(CALLS.c[name] for name in READ), SERVICES.c.account_id, SERVICES.c.webhook_url)
            .join(SERVICES, SERVICES.c.id == CALLS.c.service_id)
            .where(CALLS.c.id.in_(bindparam("ids", expanding=True))).order_by(CALLS.c.id).with_for_update(of=CALLS))


LOCKING = _locking()


def locked(ids):
    """{id: CallRow} of the calls `ids` that exist, locked (FOR UPDATE on PostgreSQL, in id order;
    SQLite serialises writers)."""
    if not ids:
        return {}
    services, rows = {}, {}
    width = len(READ)
    for values in db.session.execute(LOCKING, {"ids": sorted(ids)}):
        service_id = values[1]
        if service_id not in services:
            services[service_id] = ServiceRow(service_id, values[width], values[width + 1])
        rows[values[0]] = CallRow(values[:width], services[service_id])
    return rows


UPDATE = CALLS.update().where(CALLS.c.id == bindparam("row_id")).values(
    {name: bindparam(f"row_{name}") for name in WRITTEN})


def write(rows):
    """Write back the rows that changed (those with new events) and their events. Does not commit."""
    changed = [row for row in rows if row.new_events]
    if not changed:
        return 0
    db.session.execute(UPDATE, [{"row_id": row.id} | {f"row_{name}": getattr(row, name) for name in WRITTEN}
                                for row in changed])
    db.session.execute(EVENTS.insert(), [event for row in changed for event in row.new_events])
    for row in changed:
        row.new_events = []
    return len(changed)
