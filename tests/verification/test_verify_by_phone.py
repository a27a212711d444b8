"""Verifying by phone number checks the latest call to that very number, whatever the service called since."""
from datetime import timedelta

from flashcall.db import db
from flashcall.verification import start_call, verify_phone
from flashcall.verification.lifecycle import transition

from .conftest import PHONE, T0

OTHER_PHONE = "+989127654321"


def _delivered(call, at):
    for status in ("dialing", "ringing", "delivered"):
        transition(call, status, at)
    db.session.commit()
    return call


def test_a_later_call_to_another_number_does_not_hide_this_numbers_call(ctx, make):
    service = make.service(min_interval_seconds=0)
    mine = _delivered(start_call(service, PHONE, now=T0), T0)
    _delivered(start_call(service, OTHER_PHONE, now=T0 + timedelta(seconds=30)), T0 + timedelta(seconds=30))
    verified = verify_phone(service, PHONE, mine.code, now=T0 + timedelta(seconds=40))
    assert (verified.id, verified.status) == (mine.id, "verified")
