"""The simulator gateway: virtual phones that ring after a delay, with outcomes set per number.

A driver like the others: `dial` returns at once and its own timer thread reports the events
when they fall due (at once when the dial's moment lies in the past, as in tests with a frozen
clock; each event is stamped with its due time)."""
import heapq
import itertools
import json
import threading
from datetime import timedelta

from sqlalchemy import insert, select

from ...clock import utcnow
from ...db import db
from ...models import Call, Service, SimInboxEntry
from ..events import Event, Health, Probe

INBOX_INSERT = insert(SimInboxEntry.__table__)

OUTCOMES = ("delivered", "answered", "busy", "unreachable", "rejected", "gateway_error")
RANG = ("delivered", "answered")

_overrides = {}  # phone -> outcome, set by tests without touching the database


def set_outcome(phone, outcome):
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    _overrides[phone] = outcome


def reset():
    _overrides.clear()


def parse_config(text):
    try:
        config = json.loads(text or "{}")
    except ValueError:
        return {}
    return config if isinstance(config, dict) else {}


def outcome_for(config, phone):
    """Test override, else the gateway's per-number outcome, else its default, else delivered."""
    if phone in _overrides:
        return _overrides[phone]
    outcome = (config.get("outcomes") or {}).get(phone) or config.get("default") or "delivered"
    return outcome if outcome in OUTCOMES else "delivered"


class SimulatorDriver:
    kind = "simulator"

    def __init__(self, gateway, settings, report):
        self.config = gateway.options if gateway is not None else {}
        self.ring_delay = timedelta(seconds=float(settings.sim_ring_delay))
        self.ring_seconds = timedelta(seconds=float(settings.sim_ring_seconds))
        self._report = report
        self._due = []  # heap of (due, seq, Event)
        self._seq = itertools.count()
        self._changed = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="simulator")

    def start(self):
        self._thread.start()

    def stop(self):
        with self._changed:
            self._stopped = True
            self._changed.notify()
        self._thread.join(timeout=5)

    def dial(self, request):
        """Ring after the delay, then end with the number's configured outcome."""
        outcome = outcome_for(self.config, request.phone)
        rings = request.at + self.ring_delay
        if outcome not in RANG:
            events = [Event(request.call_id, "failed", outcome, "simulated", rings)]
        else:
            events = [Event(request.call_id, "ringing", None, None, rings),
                      Event(request.call_id, outcome, None, None, rings + self.ring_seconds)]
        with self._changed:
            for event in events:
                heapq.heappush(self._due, (event.at, next(self._seq), event))
            self._changed.notify()

    def cancel(self, call_id):
        with self._changed:
            self._due = [item for item in self._due if item[2].call_id != call_id]
            heapq.heapify(self._due)

    def health(self):
        return Health(True)

    @classmethod
    def probe(cls, gateway, timeout):
        return Probe(True, 0.0, "simulator")

    def applied(self, moves):
        """The virtual phone shows each missed call once it rang: one INSERT for the batch. Does not commit."""
        rang = [{"phone": call.phone, "caller_number": call.caller_number, "call_id": call.id,
                 "outcome": outcome_for(self.config, call.phone), "at": event.at}
                for call, event in moves if event.status == "ringing"]
        if rang:
            db.session.execute(INBOX_INSERT, rang)  # Core executemany: the ORM's bulk path costs more

    def _run(self):
        while True:
            with self._changed:
                while not self._stopped and (not self._due or self._due[0][0] > utcnow()):
                    wait = (self._due[0][0] - utcnow()).total_seconds() if self._due else None
                    self._changed.wait(timeout=wait)
                if self._stopped:
                    return
                _due, _seq, event = heapq.heappop(self._due)
            self._report(event)


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
