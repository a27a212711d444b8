"""Sending due webhook deliveries from the outbox: leased, signed, retried with backoff for 24 h,
only to addresses the target policy permits (checked at connect time, see targets.py).

A failed attempt is recorded as a reason code and the receiver's status code, never its answer:
the body of whatever answered could be an internal service's, shown to whoever set the URL."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from ssrfguard import SSRFGuardError
from sqlalchemy import or_, select, update

from .. import sealing
from ..clock import utcnow
from ..db import db
from ..models import Service, WebhookDelivery
from ..translation import lazy as _l
from . import signing, targets

# Seconds to wait after the 1st, 2nd, … failed attempt; the last value repeats.
BACKOFF_SECONDS = (10, 30, 120, 600, 1800, 3600)
GIVE_UP_AFTER = timedelta(hours=24)
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 5
PARALLEL_SENDS = 8

# Why an attempt failed (stored in last_error), and how the service page says it.
REASONS = {
    "http_status": _l("The receiver answered with an error status."),
    "timeout": _l("The receiver did not answer in time."),
    "refused": _l("The receiver refused the connection."),
    "unresolvable": _l("The receiver's name could not be found."),
    "blocked": _l("Not sent: the address is local, private or reserved."),
    "tls": _l("The secure (TLS) connection failed."),
    "network": _l("A network error stopped the delivery."),
    "no_url": _l("The service has no webhook URL."),
    "no_secret": _l("Not sent: the signing secret cannot be opened with this installation's key. Rotate it."),
}


def reason_text(code):
    return REASONS.get(code or "", REASONS["network"])


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


def _request(delivery, secrets_key):
    """What to send, read in this thread (the database session is not shared with senders), or
    the reason code why nothing can be. The stored secret is sealed; the signature uses it opened."""
    service = db.session.get(Service, delivery.service_id)
    if not service.webhook_url:
        return "no_url"
    secret = sealing.opened(secrets_key, service.webhook_secret_sealed)
    if secret is None:
        return "no_secret"
    return {"url": service.webhook_url, "data": delivery.payload.encode("utf-8"),
            "headers": signing.headers(secret, delivery)}


def _failure(exc):
    """The reason code for an exception of a delivery attempt."""
    if isinstance(exc, SSRFGuardError):
        return "blocked"
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
            return "unresolvable"
        return "refused" if "refused" in text.lower() else "network"
    return "network"


def _send(prepared, timeout, allow_private):
    """(status code or None, reason code or None); never raises. Redirects are not followed,
    and the answer's body is never read beyond what the connection needs."""
    if isinstance(prepared, str):
        return None, prepared
    try:
        with targets.session(allow_private) as http:
            response = http.post(timeout=timeout, allow_redirects=False, stream=True, **prepared)
            response.close()
    except (requests.RequestException, SSRFGuardError) as exc:
        return None, _failure(exc)
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, "http_status"


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


def deliver_due(limit=50, now=None, timeout=TIMEOUT_SECONDS, allow_private=False, secrets_key=None):
    """One pass: send what is due (in parallel, each bounded by `timeout` seconds). Returns how many.
    allow_private lets deliveries reach loopback and private LAN addresses (an operator setting);
    secrets_key opens the services' sealed signing secrets (Settings.secrets_key)."""
    now = now or utcnow()
    deliveries = _claim(now, limit)
    if not deliveries:
        return 0
    prepared = [_request(d, secrets_key) for d in deliveries]
    db.session.commit()  # hold no transaction (on SQLite: no write lock) while waiting on receivers
    with ThreadPoolExecutor(max_workers=min(PARALLEL_SENDS, len(deliveries))) as pool:
        outcomes = list(pool.map(lambda p: _send(p, timeout, allow_private), prepared))
    for delivery, (code, error) in zip(deliveries, outcomes):
        _record(delivery, code, error, now)
    db.session.commit()
    return len(deliveries)
