"""The simulator gateway: virtual phones that ring after a delay, with outcomes set per number."""
import json

from sqlalchemy import select

from ...db import db
from ...models import Call, Service, SimInboxEntry
from ..plan import Step

OUTCOMES = ("delivered", "answered", "busy", "unreachable", "rejected", "gateway_error")
RANG = ("delivered", "answered")

_overrides = {}  # phone -> outcome, set by tests without touching the database


def set_outcome(phone, outcome):
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    _overrides[phone] = outcome


def reset():
    _overrides.clear()


def _config(gateway_row):
    try:
        config = json.loads(gateway_row.config or "{}") if gateway_row is not None else {}
    except ValueError:
        return {}
    return config if isinstance(config, dict) else {}


def outcome_for(config, phone):
    """Test override, else the gateway's per-number outcome, else its default, else delivered."""
    if phone in _overrides:
        return _overrides[phone]
    outcome = (config.get("outcomes") or {}).get(phone) or config.get("default") or "delivered"
    return outcome if outcome in OUTCOMES else "delivered"


class SimulatorGateway:
    kind = "simulator"

    def __init__(self, row, settings):
        self.config = _config(row)
        self.ring_delay = float(settings.sim_ring_delay)
        self.ring_seconds = float(settings.sim_ring_seconds)

    def place(self, call):
        """The plan for this call: ring after the delay, then end with the configured outcome."""
        outcome = outcome_for(self.config, call.phone)
        if outcome not in RANG:
            return [Step(self.ring_delay, "failed", outcome)]
        return [Step(self.ring_delay, "ringing"), Step(self.ring_delay + self.ring_seconds, outcome)]

    def on_ringing(self, call, now):
        """The virtual phone shows the missed call. Does not commit."""
        db.session.add(SimInboxEntry(phone=call.phone, caller_number=call.caller_number,
                                     call_id=call.id, outcome=outcome_for(self.config, call.phone), at=now))


def inbox(phone=None, account_id=None, limit=50):
    """The virtual phones' missed calls, newest first, each with its service's name: to one
    number (E.164) or all, of one account's services or (for operators) every account's."""
    stmt = (select(SimInboxEntry, Service.name)
            .outerjoin(Call, SimInboxEntry.call_id == Call.id)
            .outerjoin(Service, Call.service_id == Service.id)
            .order_by(SimInboxEntry.at.desc(), SimInboxEntry.id.desc()).limit(limit))
    if phone is not None:
        stmt = stmt.where(SimInboxEntry.phone == phone)
    if account_id is not None:
        stmt = stmt.where(Service.account_id == account_id)
    return db.session.execute(stmt).all()
