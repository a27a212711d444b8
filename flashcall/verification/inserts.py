"""Writing a new call and its first event: the API's busiest write, kept to the fewest round trips.

The rows are written with Core statements and the objects entered in the session as if just
loaded: the ORM's unit of work would cost more than the statements themselves. On PostgreSQL
both rows go in one statement (the call's INSERT is a CTE the event's INSERT selects from), and
when the call has a price, the account's reservation too: the call is written only if the
reservation held (the account row, which every new call of the account updates, is locked by the
last statement before the commit). Elsewhere: the reservation, then the two INSERTs.
"""
from sqlalchemy import DateTime, String, bindparam, select
from sqlalchemy.orm import make_transient_to_detached

from .. import billing
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


def _insert_both(held=None):  # pragma: no mutate block
    # Parameters named apart from the columns: a Core UPDATE in the statement (billing.HOLDING) would
    # take any parameter named like one of its table's columns (id, created_at) into its SET clause.
    rows = select(*(bindparam(f"call_{key}", type_=CALLS.c[key].type) for key in DEFAULTS))
    if held is not None:
        rows = rows.where(select(held.c.id).exists())
    new_call = CALLS.insert().from_select(list(DEFAULTS), rows).returning(CALLS.c.id).cte("new_call")
    events = select(new_call.c.id, *(bindparam(name, type_=type_) for name, type_ in EVENT_PARAMS.items()))
    return EVENTS.insert().from_select(["call_id", "kind", "at", "detail"], events).returning(EVENTS.c.id)


INSERT_BOTH = _insert_both()
INSERT_HOLDING = _insert_both(billing.HOLDING.cte("held"))


def insert_loaded(call, values, event, holding=None):
    """INSERT `values` (every column of the call) and its event; both become persistent objects
    whose loaded state is what was written, so nothing is read back. `holding`: the parameters of
    billing.HOLDING, the account's reservation for the call; refused, nothing is written and
    InsufficientCredit is raised."""
    session = db.session
    if on_postgresql():
        params = {f"call_{key}": value for key, value in values.items()}
        params |= {"event_kind": event.kind, "event_at": event.at, "event_detail": event.detail}
        if holding is None:
            event.id = session.execute(INSERT_BOTH, params).scalar_one()
        else:
            event.id = session.execute(INSERT_HOLDING, params | holding).scalar()
            if event.id is None:
                raise billing.InsufficientCredit()
    else:
        if holding is not None:
            billing.hold(holding)
        session.execute(INSERT_CALL, values)
        event.id = session.execute(INSERT_EVENT, {"call_id": call.id, "kind": event.kind, "at": event.at,
                                                  "detail": event.detail}).scalar_one()
    make_transient_to_detached(event)
    make_transient_to_detached(call)
    session.add(call)  # and its event, by cascade
