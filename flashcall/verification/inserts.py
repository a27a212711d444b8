"""Writing a new call and its first event: the API's busiest write, kept to the fewest round trips.

The rows are written with Core statements and the objects entered in the session as if just
loaded: the ORM's unit of work would cost more than the statements themselves. On PostgreSQL
both rows go in one statement (the call's INSERT is a CTE the event's INSERT selects from);
elsewhere in two.
"""
from sqlalchemy import DateTime, String, bindparam, select
from sqlalchemy.orm import make_transient_to_detached

from ..db import db, on_postgresql
from ..models import Call, CallEvent

CALLS, EVENTS = Call.__table__, CallEvent.__table__
INSERT_CALL = CALLS.insert()
INSERT_EVENT = EVENTS.insert().returning(EVENTS.c.id)
EVENT_PARAMS = {"event_kind": String(), "event_at": DateTime(), "event_detail": String()}


# The two builders below run once, at import; mutation testing switches mutants on per test, long after,
# so it leaves them out (what they build is tested through every new call).
def _python_default(column):  # pragma: no mutate block
    default = column.default
    if default is None:
        return lambda: None
    return (lambda: default.arg) if default.is_scalar else (lambda: default.arg(None))


DEFAULTS = {column.key: _python_default(column) for column in CALLS.columns}


def new_row(**values):
    """Every column of a new call: `values`, else the column's Python-side default, else NULL
    (the INSERT names every column, so database-side defaults would never apply)."""
    return {key: values[key] if key in values else default() for key, default in DEFAULTS.items()}


def _insert_both():  # pragma: no mutate block
    new_call = CALLS.insert().values({key: bindparam(key) for key in DEFAULTS}) \
        .returning(CALLS.c.id).cte("new_call")
    rows = select(new_call.c.id, *(bindparam(name, type_=type_) for name, type_ in EVENT_PARAMS.items()))
    return EVENTS.insert().from_select(["call_id", "kind", "at", "detail"], rows).returning(EVENTS.c.id)


INSERT_BOTH = _insert_both()


def insert_loaded(call, values, event):
    """INSERT `values` (every column of the call) and its event; both become persistent objects
    whose loaded state is what was written, so nothing is read back."""
    session = db.session
    if on_postgresql():
        event_values = {"event_kind": event.kind, "event_at": event.at, "event_detail": event.detail}
        event.id = session.execute(INSERT_BOTH, values | event_values).scalar_one()
    else:
        session.execute(INSERT_CALL, values)
        event.id = session.execute(INSERT_EVENT, {"call_id": call.id, "kind": event.kind, "at": event.at,
                                                  "detail": event.detail}).scalar_one()
    make_transient_to_detached(event)
    make_transient_to_detached(call)
    session.add(call)  # and its event, by cascade
