"""Which deliveries a sending pass takes: due and pending ones, oldest due first, at most `limit`, none
another sender holds; and the lease it takes on them while it sends."""
import json
import threading
from datetime import timedelta

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import WebhookDelivery
from flashcall.webhooks import outbox, sender
from tests.waiting import eventually
from tests.worker import deliver_due

from .conftest import make_call

NOW = utcnow().replace(microsecond=0)


def _queued(service, due, **columns):
    delivery = outbox.enqueue(make_call(service), "delivered")
    delivery.next_attempt_at = due
    for name, value in columns.items():
        setattr(delivery, name, value)
    db.session.commit()
    return delivery


def _sent_ids(receiver):
    return [int(request["headers"]["X-Flashcall-Delivery"]) for request in receiver.requests]


def test_the_oldest_due_goes_first_and_no_more_than_the_limit(hooked_service, receiver):
    newer = _queued(hooked_service, NOW - timedelta(seconds=10))  # written first: first in the table
    older = _queued(hooked_service, NOW - timedelta(minutes=5))
    assert deliver_due(now=NOW, limit=1, allow_private=True) == 1
    assert _sent_ids(receiver) == [older.id]
    assert deliver_due(now=NOW, limit=1, allow_private=True) == 1
    assert _sent_ids(receiver) == [older.id, newer.id]


def test_finished_or_leased_deliveries_do_not_take_the_places_of_due_ones(hooked_service, receiver):
    _queued(hooked_service, NOW - timedelta(hours=2), status="delivered")
    _queued(hooked_service, NOW - timedelta(hours=1), status="failed")
    _queued(hooked_service, NOW - timedelta(minutes=30), lease_expires_at=NOW + timedelta(seconds=30))
    due = _queued(hooked_service, NOW - timedelta(seconds=1))
    assert deliver_due(now=NOW, limit=1, allow_private=True) == 1
    assert _sent_ids(receiver) == [due.id]


def test_a_lease_ending_exactly_now_still_holds(hooked_service, receiver):
    _queued(hooked_service, NOW - timedelta(minutes=1), lease_expires_at=NOW)
    assert deliver_due(now=NOW, allow_private=True) == 0
    assert deliver_due(now=NOW + timedelta(microseconds=1), allow_private=True) == 1


def test_a_delivery_being_sent_is_leased_for_a_minute(app, hooked_service, receiver):
    delivery = _queued(hooked_service, NOW - timedelta(seconds=1))
    receiver.answering.clear()  # the receiver holds the request: the pass is mid-send
    sending = threading.Thread(target=lambda: _in_app(app, lambda: deliver_due(now=NOW, allow_private=True)))
    sending.start()
    try:
        eventually(lambda: receiver.requests, timeout=30, message="the request at the receiver")
        db.session.expire_all()
        assert db.session.get(WebhookDelivery, delivery.id).lease_expires_at == NOW + sender.LEASE
        assert deliver_due(now=NOW + timedelta(seconds=30), allow_private=True) == 0  # another pass: not again
    finally:
        receiver.answering.set()
        sending.join(30)
    assert len(receiver.requests) == 1


def _in_app(app, work):
    with app.app_context():
        return work()


def test_the_verified_event_carries_when_the_code_was_verified(hooked_service, receiver):
    call = make_call(hooked_service, status="verified")
    call.verified_at = NOW - timedelta(seconds=3)
    outbox.enqueue(call, "verified")
    db.session.commit()
    assert deliver_due(allow_private=True) == 1
    body = json.loads(receiver.requests[0]["body"])
    assert body["status"] == "verified" and body["verified_at"] == (NOW - timedelta(seconds=3)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z")
