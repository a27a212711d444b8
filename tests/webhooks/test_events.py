"""Which events reach the receiver and what they say (expired included), what counts as received
(2xx only: a redirect is not followed and is a failure), and the backoff between tries."""
import json
from datetime import timedelta

import pytest

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import WebhookDelivery
from flashcall.sealing import new_key, seal
from flashcall.telephony.drivers import simulator
from flashcall.verification import cancel_call, start_call, verify_call
from flashcall.webhooks import outbox
from flashcall.webhooks.sender import backoff
from tests.virtual_phone import typed_code
from tests.worker import deliver_due, run_once

from .conftest import make_call

PHONE = "+989121234567"


@pytest.fixture
def app_config():
    """The receiver listens on 127.0.0.1: the worker may send there (an operator's setting)."""
    return {"WEBHOOK_ALLOW_PRIVATE": True}


@pytest.fixture
def service(make, receiver):
    return make.service(webhook_url=receiver.url, min_interval_seconds=0)


def _events(receiver):
    return [(r["headers"]["X-Flashcall-Event"], json.loads(r["body"])) for r in receiver.requests]


def _queued():
    return [d.event for d in db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_a_delivered_code_that_expires_sends_delivered_then_expired(app, service, receiver):
    call = start_call(service, PHONE)
    run_once()
    db.session.refresh(call)
    run_once(now=call.expires_at + timedelta(seconds=1))  # the worker's upkeep expires it
    assert deliver_due(allow_private=True) == 0  # both were sent by those passes
    [(first, delivered), (second, expired)] = _events(receiver)
    assert (first, delivered["event"], delivered["status"]) == ("delivered", "delivered", "delivered")
    assert (second, expired["event"], expired["status"], expired["call_id"]) == ("expired", "expired", "expired",
                                                                                 call.id)
    assert expired["verified_at"] is None and expired["ended_at"] == delivered["ended_at"]
    assert expired["expires_at"].endswith("Z") and expired["phone"] == PHONE
    stamps = ("created_at", "dialed_at", "ringing_at", "ended_at", "expires_at")
    assert all(delivered[key] == expired[key] and delivered[key].endswith("Z") for key in stamps)
    assert delivered["created_at"] <= delivered["dialed_at"] <= delivered["ringing_at"] <= delivered["ended_at"]


def test_each_ending_is_one_event_and_the_steps_before_none(app, service, receiver, make):
    outcomes = {"+989121110001": "busy", "+989121110002": "answered", "+989121110003": "delivered"}
    for phone, outcome in outcomes.items():
        simulator.set_outcome(phone, outcome)
    calls = {phone: start_call(service, phone) for phone in outcomes}
    canceled = cancel_call(start_call(service, "+989121110004"))
    run_once()
    verify_call(calls["+989121110003"], typed_code("+989121110003", 4))
    deliver_due(allow_private=True)
    got = sorted((body["phone"], event, body["status"], body["reason"]) for event, body in _events(receiver))
    assert got == [("+989121110001", "failed", "failed", "busy"),
                   ("+989121110002", "answered", "answered", None),
                   ("+989121110003", "delivered", "delivered", None),
                   ("+989121110003", "verified", "verified", None),
                   ("+989121110004", "canceled", "canceled", None)]
    assert canceled.status == "canceled"
    assert "queued" not in _queued() and "dialing" not in _queued() and "ringing" not in _queued()


def test_events_without_a_receiver_are_not_queued(make):
    call = make_call(make.service())
    for event in outbox.EVENTS:
        assert outbox.enqueue(call, event) is None


def test_only_the_documented_events_are_queued(service):
    call = make_call(service)
    assert outbox.enqueue(call, "ringing") is None and outbox.enqueue(call, "verify_failed") is None
    assert outbox.enqueue(call, "expired").event == "expired"


@pytest.mark.parametrize("status, received", [(200, True), (201, True), (204, True), (299, True),
                                              (300, False), (301, False), (302, False), (307, False),
                                              (400, False), (410, False), (500, False)])
def test_only_a_2xx_answer_counts_as_received(service, receiver, status, received):
    receiver.script = [status]
    delivery = outbox.enqueue(make_call(service), "delivered")
    db.session.commit()
    now = utcnow()
    deliver_due(allow_private=True, now=now)
    db.session.refresh(delivery)
    assert delivery.last_status_code == status and delivery.attempts == 1 and len(receiver.requests) == 1
    if received:
        assert (delivery.status, delivery.delivered_at, delivery.last_error) == ("delivered", now, None)
    else:
        assert (delivery.status, delivery.delivered_at) == ("pending", None)
        assert delivery.next_attempt_at == now + timedelta(seconds=10) and delivery.last_error == "http_status"


def test_a_redirect_is_not_followed(service, receiver):
    receiver.script = [302]
    delivery = outbox.enqueue(make_call(service), "verified")
    db.session.commit()
    deliver_due(allow_private=True)
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.last_status_code == 302
    assert [r["headers"]["X-Flashcall-Event"] for r in receiver.requests] == ["verified"]  # asked once, not twice


def test_a_service_that_lost_its_url_fails_the_try_without_a_request(service, receiver):
    delivery = outbox.enqueue(make_call(service), "delivered")
    service.webhook_url = None
    db.session.commit()
    deliver_due(allow_private=True)
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.last_status_code is None and receiver.requests == []
    assert delivery.last_error == "no_url"


def test_a_service_without_a_secret_sends_nothing_unsigned(service, receiver):
    delivery = outbox.enqueue(make_call(service), "delivered")
    service.webhook_secret_sealed = None
    db.session.commit()
    deliver_due(allow_private=True)
    db.session.refresh(delivery)
    assert delivery.status == "pending" and receiver.requests == []


def test_a_secret_sealed_under_another_key_sends_nothing_and_says_why(service, receiver):
    delivery = outbox.enqueue(make_call(service), "delivered")
    service.webhook_secret_sealed = seal(new_key(), "whsec_from-another-installation")
    db.session.commit()
    deliver_due(allow_private=True)
    db.session.refresh(delivery)
    assert delivery.status == "pending" and receiver.requests == [] and delivery.last_error == "no_secret"


def test_the_headers_as_sent(service, receiver):
    delivery = outbox.enqueue(make_call(service), "delivered")
    db.session.commit()
    deliver_due(allow_private=True)
    [request] = receiver.requests
    headers = request["headers"]  # as they came over the wire, names spelled as the guide spells them
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["User-Agent"] == "Flashcall-Webhooks/1"
    assert headers["X-Flashcall-Event"] == "delivered" and headers["X-Flashcall-Delivery"] == str(delivery.id)
    assert request["body"] == delivery.payload.encode("utf-8")


def test_backoff_grows_then_repeats_its_last_step():
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [10, 30, 120, 600, 1800, 3600, 3600, 3600, 3600]


def test_the_last_try_is_the_one_that_would_end_after_a_day(service, receiver):
    receiver.script = [500] * 3
    delivery = outbox.enqueue(make_call(service), "failed")
    db.session.commit()
    created = delivery.created_at
    deliver_due(allow_private=True, now=created + timedelta(hours=23, minutes=59, seconds=50))  # next try: at 24 h
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.next_attempt_at == created + timedelta(hours=24)
    deliver_due(allow_private=True, now=created + timedelta(hours=24))  # the next wait (30 s) ends past the day
    db.session.refresh(delivery)
    assert delivery.status == "failed" and delivery.attempts == 2


# -- signing -------------------------------------------------------------------------------------------

def test_the_signature_is_the_documented_hmac_for_a_given_moment(service):
    from flashcall.webhooks import signing
    delivery = outbox.enqueue(make_call(service), "delivered")
    db.session.commit()
    headers = signing.headers("whsec_test", delivery, timestamp=1767225600)
    assert headers["X-Flashcall-Timestamp"] == "1767225600"
    assert headers["X-Flashcall-Signature"] == signing.sign("whsec_test", "1767225600", delivery.payload)
    assert signing.sign("whsec_test", 1767225600, b'{"a":1}') == signing.sign(b"whsec_test", "1767225600", '{"a":1}')
    # Written out: HMAC-SHA256("whsec_test", '1767225600.{"a":1}') in hex.
    assert signing.sign("whsec_test", 1767225600, '{"a":1}') == \
        "v1=" + __import__("hmac").new(b"whsec_test", b'1767225600.{"a":1}', "sha256").hexdigest()


@pytest.mark.parametrize("age, valid", [(0, True), (299, True), (300, True), (301, False), (-300, True),
                                        (-301, False)])
def test_a_signature_is_accepted_for_five_minutes_either_way(age, valid):
    from flashcall.webhooks import signing
    sent = 1767225600
    signature = signing.sign("whsec_test", sent, "{}")
    assert signing.is_valid("whsec_test", str(sent), "{}", signature, now=sent + age) is valid


@pytest.mark.parametrize("timestamp, signature", [(None, "v1=00"), ("", "v1=00"), ("12ab", "v1=00"),
                                                  ("-5", "v1=00"), ("1767225600", None), ("1767225600", "")])
def test_a_missing_or_malformed_header_is_refused(timestamp, signature):
    from flashcall.webhooks import signing
    assert signing.is_valid("whsec_test", timestamp, "{}", signature, now=1767225600) is False
