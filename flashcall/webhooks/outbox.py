"""Writing webhook events into the outbox, in the same transaction as the call's transition."""
import json

from ..clock import iso
from ..db import db
from ..models import WebhookDelivery

EVENTS = ("delivered", "failed", "answered", "verified", "expired", "canceled")


def payload(call, event):
    return {
        "event": event,
        "call_id": call.id,
        "status": call.status,
        "phone": call.phone,
        "reason": call.failure_reason,
        "created_at": iso(call.created_at),
        "dialed_at": iso(call.dialed_at),
        "ringing_at": iso(call.ringing_at),
        "ended_at": iso(call.ended_at),
        "verified_at": iso(call.verified_at),
        "expires_at": iso(call.expires_at),
    }


def enqueue(call, event):
    """Queue `event` for the call's service if it has a webhook URL. Does not commit."""
    if event not in EVENTS or not call.service.webhook_url:
        return None
    body = json.dumps(payload(call, event), ensure_ascii=False, separators=(",", ":"))
    delivery = WebhookDelivery(service_id=call.service_id, call_id=call.id, event=event, payload=body)
    db.session.add(delivery)
    return delivery
