"""JSON shapes of calls, their events and balances. Never the code nor the caller number."""
from ..clock import iso


def event_json(event):
    return {"kind": event.kind, "at": iso(event.at), "detail": event.detail}


def call_json(call, events=True):
    """The call; without its timeline in lists (events=False), which would cost a query per call."""
    body = {
        "id": call.id,
        "status": call.status,
        "phone": call.phone,
        "code_length": call.code_length,
        "created_at": iso(call.created_at),
        "dialed_at": iso(call.dialed_at),
        "ringing_at": iso(call.ringing_at),
        "ended_at": iso(call.ended_at),
        "verified_at": iso(call.verified_at),
        "expires_at": iso(call.expires_at),
        "attempts": call.attempts,
        "attempts_left": max(0, call.service.max_attempts - call.attempts),
        "failure_reason": call.failure_reason,
        "retry_of": call.retry_of,
        "cost": call.cost,
    }
    if events:
        body["events"] = [event_json(event) for event in call.events]
    return body


def balance_json(balance):
    keys = ("service_balance", "account_balance", "credit_limit", "reserved", "available", "unit")
    return {key: balance[key] for key in keys}
