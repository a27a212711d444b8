"""Writing a new call and its first event, and a verified call's changes: the API's busiest writes,
kept to the fewest round trips.

The rows are written with Core statements and the objects entered in the session as if just
loaded: the ORM's unit of work would cost more than the statements themselves. On PostgreSQL
both rows go in one statement (the call's INSERT is a CTE the event's INSERT selects from), and
when the call has a price, the account's reservation too: the call is written only if the
reservation held (the account row, which every new call of the account updates, is locked by the
last statement before the commit). Elsewhere: the reservation, then the two INSERTs.
"""
from functools import lru_cache

from sqlalchemy import DateTime, String, bindparam, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from .. import billing
from ..db import db, enter, loaded, on_postgresql, written
from ..models import Call, CallEvent

CALLS, EVENTS = Call.__table__, CallEvent.__table__
INSERT_CALL = CALLS.insert()
INSERT_EVENT = EVENTS.insert().returning(EVENTS.c.id)
# SET takes the columns named in the parameters (compiled once per set of names); the id is named apart.
UPDATE_CALL = CALLS.update().where(CALLS.c.id == bindparam("the_call"))
CHANGEABLE = frozenset(column.key for column in CALLS.columns if not column.primary_key)
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


def _write_on_postgresql(values, event, holding):
    """One statement: the call, its event and, with `holding`, the reservation; the event's id (None: refused)."""
    params = {f"call_{key}": value for key, value in values.items()} | {
        "event_kind": event["kind"], "event_at": event["at"], "event_detail": event["detail"]}
    if holding is None:
        return db.session.execute(INSERT_BOTH, params).scalar_one()
    return db.session.execute(INSERT_HOLDING, params | holding).scalar()


def _write_elsewhere(values, event, holding):
    """The reservation (raises InsufficientCredit), then the two INSERTs; the event's id."""
    if holding is not None:
        billing.hold(holding)
    connection = db.session.connection()
    connection.execute(INSERT_CALL, values)
    return connection.execute(INSERT_EVENT, event).scalar_one()


def insert_loaded(values, kind, service, key, holding=None):
    """INSERT `values` (every column of the call) and its first event (`kind`, at its creation); returns
    the call, persistent in the session with its service, key and event as written: nothing is read back.
    `holding`: the parameters of billing.HOLDING, the account's reservation for the call; refused,
    nothing is written and InsufficientCredit is raised."""
    event = {"call_id": values["id"], "kind": kind, "at": values["created_at"], "detail": None}
    write = _write_on_postgresql if on_postgresql() else _write_elsewhere
    event_id = write(values, event, holding)
    if event_id is None:
        raise billing.InsufficientCredit()
    first = loaded(CallEvent, event | {"id": event_id})
    call = loaded(Call, values, service=service, key=key, events=[first])
    set_committed_value(first, "call", call)
    enter(call, first)
    return call


@lru_cache(maxsize=64)
def _changes_with_event(keys):  # pragma: no mutate block
    # PostgreSQL: the call's UPDATE of the columns `keys` as a CTE the event's INSERT selects from:
    # one round trip (built once per set of columns; mutation testing leaves cached builders out).
    changed = (CALLS.update().where(CALLS.c.id == bindparam("the_call"))
               .values({key: bindparam(f"set_{key}", type_=CALLS.c[key].type) for key in keys})
               .returning(CALLS.c.id).cte("changed"))
    rows = select(changed.c.id, *(bindparam(name, type_=type_) for name, type_ in EVENT_PARAMS.items()))
    return EVENTS.insert().from_select(["call_id", "kind", "at", "detail"], rows).returning(EVENTS.c.id)


def write_changes(call):
    """Write what changed in the call (a verification, a wrong guess) and its new events with Core
    statements, and leave them as if just loaded: what a flush of them does, at a third of its cost.
    On PostgreSQL the call's changes and its first new event go in one statement.
    Other pending objects (a webhook's delivery) wait for the next flush; settlements, for the commit."""
    session, state = db.session, inspect(call)
    # The columns set since the call was loaded (committed_state keeps their loaded values): asking each
    # column's history instead cost as much as the UPDATE. A column set to its own value is written again.
    changes = {key: state.dict[key] for key in state.committed_state if key in CHANGEABLE}
    new = [event for event in call.events if inspect(event).pending]
    connection = session.connection()
    if changes and new and on_postgresql():
        first = new.pop(0)
        params = {f"set_{key}": value for key, value in changes.items()} | {
            "the_call": call.id, "event_kind": first.kind, "event_at": first.at, "event_detail": first.detail}
        first.id = connection.execute(_changes_with_event(tuple(sorted(changes))), params).scalar_one()
        rows = [call, first]
    else:
        if changes:
            connection.execute(UPDATE_CALL, changes | {"the_call": call.id})
        rows = [call]
    for event in new:
        event.id = connection.execute(INSERT_EVENT, {"call_id": call.id, "kind": event.kind, "at": event.at,
                                                     "detail": event.detail}).scalar_one()
        rows.append(event)
    written(rows)  # nothing left to write: their state is what was written
