"""The simulator gateway: virtual phones that ring after a delay, with outcomes set per number."""
import json

from sqlalchemy import select

from ..extensions import db
from ..models import SimInboxEntry
from .plan import Step

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

    def __init__(self, row, ring_delay=0.0, ring_seconds=0.0):
        self.config = _config(row)
        self.ring_delay = ring_delay
        self.ring_seconds = ring_seconds

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


def inbox(phone, limit=50):
    """The calls a virtual phone received, newest first."""
    return db.session.scalars(select(SimInboxEntry).where(SimInboxEntry.phone == phone)
                              .order_by(SimInboxEntry.at.desc(), SimInboxEntry.id.desc()).limit(limit)).all()
