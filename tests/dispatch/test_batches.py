"""One dispatcher batch holding calls of several services and accounts: each call is charged to its own
account, webhooks go only where its own service sends them, and the gateway's words reach the timeline."""
import pytest

from flashcall.billing import balance
from flashcall.db import db
from flashcall.models import Call, WebhookDelivery
from flashcall.telephony.drivers import simulator
from flashcall.verification import start_call
from tests.worker import run_once

PHONES = ("+989121110001", "+989121110002", "+989121110003", "+989121110004")


def test_a_batch_of_two_accounts_calls_charges_and_hooks_each_its_own(make):
    first = make.service(price_per_call=1_000, webhook_url="https://hooks.example.com/a")
    second = make.service(price_per_call=3_000)  # another account, no webhook
    for service in (first, second):
        service.account.credit_limit = -100_000  # may go 100,000 Rial below zero
    db.session.commit()
    calls = [start_call(service, phone) for service, phone in zip((first, second, first, second), PHONES)]
    run_once()  # one claim takes all four
    db.session.expire_all()
    assert {db.session.get(Call, call.id).status for call in calls} == {"delivered"}
    assert balance(first)["service_balance"] == -2_000 and balance(second)["service_balance"] == -6_000
    hooked = db.session.query(WebhookDelivery.call_id).filter_by(event="delivered").all()
    assert sorted(call_id for (call_id,) in hooked) == sorted(call.id for call in calls[::2])


@pytest.fixture
def busy():
    simulator.set_outcome(PHONES[0], "busy")
    yield PHONES[0]
    simulator.reset()


def test_what_the_gateway_said_is_kept_in_the_timeline(make, busy):
    service = make.service()
    call = start_call(service, PHONES[0])
    run_once()
    db.session.refresh(call)
    failed = [e for e in call.events if e.kind == "failed"]
    assert call.failure_reason == "busy" and failed and failed[0].detail and failed[0].detail.startswith("busy")
