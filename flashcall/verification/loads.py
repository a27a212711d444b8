"""The call a verification by id works on, read with its timeline and its row lock in one Core
statement and entered in the session as loaded objects: the ORM's loading of a joined timeline had
cost as much as the statement. A call the session already holds is read through the ORM instead."""
from sqlalchemy import bindparam, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from ..db import db, enter, loaded
from ..models import Call, CallEvent

CALLS, EVENTS = Call.__table__, CallEvent.__table__
CALL_KEYS = tuple(column.key for column in CALLS.columns)
EVENT_KEYS = tuple(column.key for column in EVENTS.columns)
IN_SESSION = object()  # owned()'s answer when the session already holds the call or one of its events


# Built once, at import (building it per request cost as much as running it); mutation testing switches
# mutants on per test, long after import, so it leaves the builder out.
def _statement():  # pragma: no mutate block
    return (select(*CALLS.columns, *EVENTS.columns)
            .select_from(CALLS.outerjoin(EVENTS, EVENTS.c.call_id == CALLS.c.id))
            .where(CALLS.c.id == bindparam("call_id"), CALLS.c.service_id == bindparam("service_id"))
            .order_by(EVENTS.c.id).with_for_update(of=CALLS))


OWNED = _statement()


def owned(service, call_id):
    """The service's call of that id (None if it has none), locked (FOR UPDATE on PostgreSQL; SQLite's
    writers are serialised), with its timeline and `service` (this session's) as loaded objects;
    IN_SESSION if the session already holds the call or one of its events."""
    session = db.session
    if identity_key(Call, call_id) in session.identity_map:
        return IN_SESSION
    rows = session.connection().execute(OWNED, {"call_id": call_id, "service_id": service.id}).all()
    if not rows:
        return None
    width = len(CALL_KEYS)
    events = [loaded(CallEvent, dict(zip(EVENT_KEYS, row[width:]))) for row in rows if row[width] is not None]
    if any(identity_key(CallEvent, event.id) in session.identity_map for event in events):
        return IN_SESSION
    call = loaded(Call, dict(zip(CALL_KEYS, rows[0][:width])), service=service, events=events)
    for event in events:
        set_committed_value(event, "call", call)
    enter(call, *events)
    return call
