"""A call is never stamped as dialled before it was created (the claim reads `now` before the query)."""
from datetime import timedelta

from tests.worker import run_once
from flashcall.verification import start_call


def test_dialed_at_never_precedes_created_at(app, make):
    service = make.service()
    call = start_call(service, "09121234567")
    created = call.created_at
    run_once(now=created - timedelta(milliseconds=30))  # the dispatcher's clock read before the commit
    assert call.dialed_at is not None and call.dialed_at >= created
    dialing = [event for event in call.events if event.kind == "dialing"]
    assert dialing and dialing[0].at >= created
