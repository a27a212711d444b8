"""What a transition writes besides the status: the event's words (the reason, then what the gateway
said, cut to the column), the charge at the moment given, and a refused move named in its error."""
from datetime import timedelta

import pytest

from flashcall.db import db
from flashcall.models import LedgerEntry
from flashcall.verification import start_call
from flashcall.verification.lifecycle import TransitionError, transition

from .conftest import PHONE, T0


def _detail(call, kind):
    db.session.refresh(call)
    return [e.detail for e in call.events if e.kind == kind]


def test_the_reason_comes_first_then_what_the_gateway_said(service):
    call = start_call(service, PHONE, now=T0)
    transition(call, "dialing", T0, detail="SIP INVITE sent")
    transition(call, "failed", T0 + timedelta(seconds=2), "busy", detail="SIP 486 Busy Here")
    db.session.commit()
    assert _detail(call, "dialing") == ["SIP INVITE sent"]  # no reason: the gateway's words alone
    assert _detail(call, "failed") == ["busy: SIP 486 Busy Here"]


def test_a_long_gateway_answer_is_cut_to_the_column(service):
    call = start_call(service, PHONE, now=T0)
    transition(call, "failed", T0, "gateway_error", detail="x" * 300)
    db.session.commit()
    [detail] = _detail(call, "failed")
    assert detail == ("gateway_error: " + "x" * 300)[:200]


def test_the_charge_is_written_at_the_moment_of_delivery(make):
    service = make.service(price_per_call=1_000)
    service.account.credit_limit = -10_000
    db.session.commit()
    call = start_call(service, PHONE, now=T0)
    for status, seconds in (("dialing", 0), ("ringing", 1), ("delivered", 4)):
        transition(call, status, T0 + timedelta(seconds=seconds))
    db.session.commit()
    charge = db.session.query(LedgerEntry).filter_by(call_id=call.id).one()
    assert (charge.amount, charge.created_at) == (-1_000, T0 + timedelta(seconds=4))


def test_a_move_the_lifecycle_forbids_names_the_call_and_both_states(service):
    call = start_call(service, PHONE, now=T0)
    with pytest.raises(TransitionError) as refused:
        transition(call, "verified", T0)
    assert str(refused.value) == f"call {call.id}: queued -> verified"
