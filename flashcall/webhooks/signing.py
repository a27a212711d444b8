"""HMAC-SHA256 signatures on webhook requests: v1=hex(hmac(secret, "<timestamp>.<body>"))."""
import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Flashcall-Timestamp"
SIGNATURE_HEADER = "X-Flashcall-Signature"
EVENT_HEADER = "X-Flashcall-Event"
DELIVERY_HEADER = "X-Flashcall-Delivery"
TOLERANCE_SECONDS = 300


def _bytes(value):
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def sign(secret, timestamp, body):
    """The signature header's value for `body` (str or bytes) sent at unix `timestamp`."""
    message = _bytes(timestamp) + b"." + _bytes(body)
    return "v1=" + hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def is_valid(secret, timestamp, body, signature, now=None, tolerance=TOLERANCE_SECONDS):
    """The receiver's check, as documented in the guide: fresh timestamp and matching signature."""
    timestamp = str(timestamp or "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def headers(secret, delivery, timestamp=None):
    """All headers of one delivery attempt."""
    timestamp = str(int(timestamp if timestamp is not None else time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Flashcall-Webhooks/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, delivery.payload),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.id),
    }
