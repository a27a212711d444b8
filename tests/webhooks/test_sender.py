"""The sender: signed deliveries to a real local receiver, backoff, giving up, leases, timeouts."""
import hashlib
import hmac
import json
import time
from datetime import timedelta

from sqlalchemy import event

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import WebhookDelivery
from flashcall.webhooks import outbox, signing
from tests.worker import deliver_due, webhook_secret

from .conftest import make_call


def _event(service, event="delivered"):
    call = make_call(service, status=event)
    delivery = outbox.enqueue(call, event)
    db.session.commit()
    return call, delivery


def test_event_arrives_signed_as_the_guide_documents(hooked_service, receiver):
    call, delivery = _event(hooked_service)
    assert deliver_due(allow_private=True) == 1
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    timestamp = headers["X-Flashcall-Timestamp"]
    # The documented recipe, written out: v1=hex(HMAC-SHA256(secret, timestamp + "." + body)).
    expected = "v1=" + hmac.new(webhook_secret(hooked_service).encode(), timestamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()
    assert headers["X-Flashcall-Signature"] == expected
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["X-Flashcall-Event"] == "delivered"
    assert headers["X-Flashcall-Delivery"] == str(delivery.id)
    event = json.loads(body)
    assert event["call_id"] == call.id and event["status"] == "delivered" and event["phone"] == "+989121234567"
    assert {"reason", "created_at", "dialed_at", "expires_at"} <= set(event)
    assert "caller_number" not in event and "code" not in event
    db.session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_error is None


def test_signature_check_refuses_tampering_and_old_timestamps(hooked_service):
    secret, body = webhook_secret(hooked_service), '{"event":"verified"}'
    now = int(time.time())
    signature = signing.sign(secret, now, body)
    assert signing.is_valid(secret, str(now), body, signature)
    assert not signing.is_valid(secret, str(now), body.replace("verified", "failed"), signature)
    assert not signing.is_valid("whsec_other", str(now), body, signature)
    old = now - 3600
    assert not signing.is_valid(secret, str(old), body, signing.sign(secret, old, body))


def test_receiver_failing_twice_then_succeeding_gets_it_on_the_third_try(hooked_service, receiver):
    receiver.script = [500, 500]
    _, delivery = _event(hooked_service, "verified")
    start = utcnow()

    deliver_due(allow_private=True, now=start)
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.last_error == "http_status"  # a reason code: the receiver's body is never kept
    assert delivery.next_attempt_at == start + timedelta(seconds=10)

    assert deliver_due(allow_private=True, now=start + timedelta(seconds=5)) == 0  # not due yet: nothing sent
    assert len(receiver.requests) == 1

    deliver_due(allow_private=True, now=start + timedelta(seconds=11))
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("pending", 2)
    assert delivery.next_attempt_at == start + timedelta(seconds=11 + 30)

    deliver_due(allow_private=True, now=start + timedelta(seconds=45))
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, None)
    assert [r["headers"]["X-Flashcall-Delivery"] for r in receiver.requests] == [str(delivery.id)] * 3


def test_gives_up_24_hours_after_the_event(hooked_service, receiver):
    receiver.script = [503] * 5
    _, delivery = _event(hooked_service, "failed")
    delivery.created_at = utcnow() - timedelta(hours=23, minutes=59, seconds=55)
    db.session.commit()
    deliver_due(allow_private=True)
    db.session.refresh(delivery)
    assert delivery.status == "failed" and delivery.attempts == 1 and delivery.last_status_code == 503
    assert deliver_due(allow_private=True, now=utcnow() + timedelta(days=2)) == 0


def test_refused_connection_is_recorded_and_retried(make):
    service = make.service(webhook_url="http://127.0.0.1:9/nothing-listens")
    _, delivery = _event(service)
    deliver_due(allow_private=True)
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert delivery.last_error == "refused"


def test_a_delivery_leased_by_another_dispatcher_is_not_sent_twice(hooked_service, receiver):
    _, delivery = _event(hooked_service)
    delivery.lease_expires_at = utcnow() + timedelta(seconds=30)
    db.session.commit()
    assert deliver_due(allow_private=True) == 0 and receiver.requests == []
    assert deliver_due(allow_private=True, now=utcnow() + timedelta(seconds=31)) == 1  # the other one died: lease ran out
    assert len(receiver.requests) == 1


def test_slow_receiver_is_cut_off_by_the_timeout(app, hooked_service, receiver):
    receiver.answering.clear()  # it never answers while this test runs
    _, delivery = _event(hooked_service)
    deliver_due(allow_private=True, timeout=0.5)
    assert not receiver.answering.is_set() and len(receiver.requests) == 1  # returned without an answer
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.last_error == "timeout"


def test_nothing_due_is_one_query(app, make):
    statements = []
    listen = (db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    event.listen(*listen)
    try:
        assert deliver_due(allow_private=True) == 0
    finally:
        event.remove(*listen)
    assert [s.split()[0].upper() for s in statements if not s.upper().startswith(("BEGIN", "COMMIT"))] == ["SELECT"]


def test_no_outbox_row_without_a_webhook_url(make):
    call = make_call(make.service())
    assert outbox.enqueue(call, "delivered") is None
    db.session.commit()
    assert db.session.query(WebhookDelivery).count() == 0
