"""The call state machine: allowed transitions, timestamps, events, webhooks, charging and releasing."""
from sqlalchemy import inspect

from .. import billing
from ..db import db
from ..models import CallEvent
from ..webhooks import outbox
from .rows import CallRow

TRANSITIONS = {
    "queued": {"dialing", "failed", "canceled"},
    "dialing": {"ringing", "failed", "canceled"},
    "ringing": {"delivered", "answered", "verified", "failed", "expired", "canceled"},
    "delivered": {"verified", "expired", "failed", "canceled"},
    "answered": {"verified", "expired", "failed", "canceled"},
}
TIMESTAMP = {"dialing": "dialed_at", "ringing": "ringing_at", "answered": "answered_at", "verified": "verified_at"}
ENDING = {"delivered", "answered", "failed", "expired", "canceled"}


class TransitionError(RuntimeError):
    """A transition the lifecycle does not allow (a bug, not a user error)."""


def can_transition(call, status):
    return status in TRANSITIONS.get(call.status, ())


def record(call, kind, now, detail=None):
    """Append an event to the call's timeline (a Call's or a CallRow's). Does not commit.

    A timeline not loaded stays unloaded (the event is simply added; reading the timeline later
    loads it, this event included), so the dispatcher never reads the events of calls it moves."""
    if isinstance(call, CallRow):  # the dispatcher's set-based path writes its events itself
        return call.add_event(kind, now, detail)
    event = CallEvent(call_id=call.id, kind=kind, at=now, detail=detail)
    if "events" in inspect(call).unloaded:
        db.session.add(event)
    else:
        call.events.append(event)
    return event


def _detail(reason, detail):
    if not detail:
        return reason
    return (f"{reason}: {detail}" if reason else detail)[:200]


def transition(call, status, now, reason=None, flush=True, detail=None):
    """Move the call to `status`: timestamp, event, webhook, charge. Does not commit.

    flush=False leaves the writes to the next flush (a caller changing many calls at once).
    `detail` is what the gateway said (e.g. "SIP 486 Busy Here"), kept in the event after the reason."""
    if not can_transition(call, status):
        raise TransitionError(f"call {call.id}: {call.status} -> {status}")
    call.status = status
    if status in TIMESTAMP:
        setattr(call, TIMESTAMP[status], now)
    if status in ENDING and call.ended_at is None:
        call.ended_at = now
    if status == "failed":
        call.failure_reason = reason
    billing.settle(call, status, now)  # the reservation becomes the charge, or is released
    record(call, status, now, _detail(reason, detail))
    outbox.enqueue(call, status)
    if flush:
        db.session.flush()
    return call
