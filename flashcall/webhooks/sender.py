"""Sending due webhook deliveries from the outbox: leased, signed, retried with backoff for 24 h."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from sqlalchemy import or_, select, update

from ..clock import utcnow
from ..db import db
from ..models import Service, WebhookDelivery
from . import signing

# Seconds to wait after the 1st, 2nd, … failed attempt; the last value repeats.
BACKOFF_SECONDS = (10, 30, 120, 600, 1800, 3600)
GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 5
PARALLEL_SENDS = 8


def backoff(attempts):
    """Delay before the next try after `attempts` failed tries."""
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def _available(now):
    return or_(WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at < now)


def _claim(now, limit):
    """Lease up to `limit` due deliveries so that no other dispatcher sends them meanwhile."""
    ids = db.session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now, _available(now))
        .order_by(WebhookDelivery.next_attempt_at).limit(limit)).all()
    claimed = []
    for delivery_id in ids:
        result = db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending", _available(now))
            .values(lease_expires_at=now + LEASE))
        if result.rowcount:
            claimed.append(delivery_id)
    db.session.commit()
    return [db.session.get(WebhookDelivery, i) for i in claimed]


def _request(delivery):
    """What to send, read in this thread (the database session is not shared with senders)."""
    service = db.session.get(Service, delivery.service_id)
    if not service.webhook_url or not service.webhook_secret:
        return None
    return {"url": service.webhook_url, "data": delivery.payload.encode("utf-8"),
            "headers": signing.headers(service.webhook_secret, delivery)}


def _send(prepared, timeout):
    """(status code or None, error text or None); never raises."""
    if prepared is None:
        return None, "The service has no webhook URL."
    try:
        response = requests.post(timeout=timeout, allow_redirects=False, **prepared)
    except requests.Timeout:
        return None, f"Timed out after {timeout} s"
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


def _record(delivery, code, error, now):
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.lease_expires_at = None
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        return
    delivery.last_error = error[:300]
    retry_at = now + backoff(delivery.attempts)
    if retry_at > delivery.created_at + GIVE_UP_AFTER:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = retry_at


def deliver_due(limit=50, now=None, timeout=TIMEOUT_SECONDS):
    """One pass: send what is due (in parallel, each bounded by `timeout` seconds). Returns how many."""
    now = now or utcnow()
    deliveries = _claim(now, limit)
    if not deliveries:
        return 0
    prepared = [_request(d) for d in deliveries]
    db.session.commit()  # hold no transaction (on SQLite: no write lock) while waiting on receivers
    with ThreadPoolExecutor(max_workers=min(PARALLEL_SENDS, len(deliveries))) as pool:
        outcomes = list(pool.map(lambda p: _send(p, timeout), prepared))
    for delivery, (code, error) in zip(deliveries, outcomes):
        _record(delivery, code, error, now)
    db.session.commit()
    return len(deliveries)
