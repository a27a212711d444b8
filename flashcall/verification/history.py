"""What a new call needs of its number's past, read in one statement once the number is locked:
the number's latest call (when, and from which caller number), how many calls it had since the
Tehran day began, and which of the drawn caller numbers are ringing on the gateway right now."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, bindparam, cast, func, literal, null, select, union_all

from ..db import db
from ..models import Call
from ..models.call import PENDING


# The most caller numbers one look-up takes (verification.codes draws no more). Each has a parameter
# of its own, those not drawn NULL (which equals nothing): an expanding IN would be rendered anew for
# every request, at a cost like the statement's own.
SLOTS = 8
CANDIDATES = tuple(f"candidate_{slot}" for slot in range(SLOTS))


@dataclass(frozen=True)
class History:
    last_at: datetime | None = None
    last_number: str | None = None
    today: int = 0
    busy: frozenset = field(default_factory=frozenset)


# Built once, at import, with named parameters: building it per call cost more than running it.
# Mutation testing switches mutants on per test, long after import, so it leaves the builder out
# (what it builds is tested through every new call).
def _statement():  # pragma: no mutate block
    of_number = (Call.service_id == bindparam("service_id"), Call.phone == bindparam("phone"))
    today = select(func.count(Call.id)).where(*of_number, Call.created_at >= bindparam("day_start")
                                              ).scalar_subquery()
    last = (select(literal(True).label("is_last"), Call.created_at.label("at"), today.label("today"),
                   Call.caller_number.label("number"))
            .where(*of_number).order_by(Call.created_at.desc()).limit(1).subquery())
    busy = select(literal(False), cast(null(), DateTime), cast(null(), Integer), Call.caller_number).where(
        Call.gateway_id == bindparam("gateway_id"),
        # The statuses as fixed parameters too: an expanding IN is rendered anew on every execution.
        Call.status.in_([bindparam(f"pending_{index}", status, type_=String) for index, status in enumerate(PENDING)]),
        Call.caller_number.in_([bindparam(name, type_=String) for name in CANDIDATES]))
    return union_all(select(last), busy)


STATEMENT = _statement()


def read(service_id, phone, day_start, gateway_id, candidates):
    """The History of (service, phone) and of `candidates` on the gateway: one query."""
    last_at, last_number, today, busy = None, None, 0, set()
    if len(candidates) > SLOTS:
        raise ValueError(f"at most {SLOTS} candidates per look-up, not {len(candidates)}")
    params = {"service_id": service_id, "phone": phone, "day_start": day_start, "gateway_id": gateway_id}
    params |= dict.fromkeys(CANDIDATES) | dict(zip(CANDIDATES, candidates))
    for is_last, at, count, number in db.session.connection().execute(STATEMENT, params):
        if is_last:
            last_at, last_number, today = at, number, count
        else:
            busy.add(number)
    return History(last_at, last_number, today, frozenset(busy))
