"""The call state machine at its edges: cancel while dialing or ringing, retry after success, a code
verified while the phone still rings (and what it costs), and lazy expiry in every state."""
from datetime import timedelta

import pytest

from flashcall.billing import balance, check, credit
from flashcall.db import db
from flashcall.models import LedgerEntry, WebhookDelivery
from flashcall.verification import VerificationError, cancel_call, find_call, retry_call, start_call, verify_call
from flashcall.verification.calls import expire_if_due
from flashcall.verification.lifecycle import TransitionError, can_transition, transition
from tests.virtual_phone import missed_calls, typed_code
from tests.worker import run_once

from .conftest import PHONE, T0

PRICE = 700


def _error(fn, *args, **kwargs):
    with pytest.raises(VerificationError) as err:
        fn(*args, **kwargs)
    return err.value


@pytest.fixture
def priced(ctx, make):
    """A service charging PRICE per call, with credit for a few calls and a webhook to record events."""
    service = make.service(min_interval_seconds=0, price_per_call=PRICE, webhook_url="http://127.0.0.1:9/hook")
    credit(service, 10_000, "topup", T0)
    db.session.commit()
    return service


def _moved(call, *statuses, at=T0):
    for status in statuses:
        transition(call, status, at)
    db.session.commit()
    return call


def _kinds(call):
    db.session.refresh(call)
    return [event.kind for event in call.events]


def _webhooks(call):
    return [d.event for d in db.session.scalars(db.select(WebhookDelivery).where(WebhookDelivery.call_id == call.id)
                                                .order_by(WebhookDelivery.id))]


def _charges():
    return db.session.query(LedgerEntry).filter_by(kind="charge").count()


def test_cancel_while_dialing_never_rings_and_costs_nothing(priced):
    call = _moved(start_call(priced, PHONE, now=T0), "dialing")
    assert cancel_call(call, now=T0 + timedelta(seconds=1)).status == "canceled"
    assert call.ended_at == T0 + timedelta(seconds=1) and call.failure_reason is None
    run_once(now=T0 + timedelta(seconds=5))
    assert _kinds(call) == ["queued", "dialing", "canceled"] and missed_calls(PHONE) == []
    assert (call.cost, call.reserved, _charges()) == (0, 0, 0)
    assert balance(priced)["reserved"] == 0 and balance(priced)["service_balance"] == 10_000
    assert _webhooks(call) == ["canceled"]


def test_cancel_while_ringing_kills_the_code_and_costs_nothing(priced):
    call = _moved(start_call(priced, PHONE, now=T0), "dialing", "ringing")
    code = call.caller_number[-4:]  # what the ringing phone shows
    assert cancel_call(call, now=T0).status == "canceled"
    assert _error(verify_call, call, code, now=T0).code == "code_not_found"
    assert (call.cost, call.reserved, _charges()) == (0, 0, 0)
    assert balance(priced) | {} == {"service_balance": 10_000, "account_balance": 10_000, "credit_limit": 0,
                                    "reserved": 0, "available": 10_000, "unit": "IRR"}


def test_cancel_after_the_end_changes_nothing(priced):
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    verify_call(call, typed_code(PHONE, 4), now=T0)
    assert cancel_call(call, now=T0).status == "verified"
    assert _kinds(call).count("canceled") == 0 and call.cost == PRICE and _charges() == 1


def test_a_verified_call_cannot_be_retried(priced):
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    verify_call(call, typed_code(PHONE, 4), now=T0)
    err = _error(retry_call, call, now=T0 + timedelta(minutes=10))
    assert err.code == "call_still_active" and err.http_status == 409
    assert call.status == "verified"


def test_a_canceled_call_cannot_be_retried_either(priced):
    call = cancel_call(start_call(priced, PHONE, now=T0), now=T0)
    assert _error(retry_call, call, now=T0 + timedelta(minutes=10)).code == "call_still_active"


def test_a_code_verified_while_ringing_is_charged_once_and_the_call_ends_there(priced):
    call = _moved(start_call(priced, PHONE, now=T0), "dialing", "ringing")
    assert call.reserved == PRICE and call.cost == 0
    code = call.caller_number[-4:]  # the phone shows the number while it rings
    at = T0 + timedelta(seconds=3)
    verify_call(call, code, now=at)
    assert (call.status, call.verified_at, call.ended_at) == ("verified", at, None)
    assert (call.cost, call.reserved, _charges()) == (PRICE, 0, 1)
    # The gateway's later "delivered" can no longer apply: the call is over, and paid once.
    assert not can_transition(call, "delivered") and not can_transition(call, "expired")
    with pytest.raises(TransitionError):
        transition(call, "delivered", at)
    db.session.rollback()
    assert balance(priced)["service_balance"] == 10_000 - PRICE and check.problems() == []
    assert _webhooks(call) == ["verified"]


def test_a_wrong_code_while_ringing_counts_an_attempt(priced):
    call = _moved(start_call(priced, PHONE, now=T0), "dialing", "ringing")
    wrong = str((int(call.caller_number[-4:]) + 1) % 10_000).zfill(4)
    err = _error(verify_call, call, wrong, now=T0)
    assert err.code == "invalid_code" and call.attempts == 1 and call.status == "ringing"


def test_no_code_is_accepted_before_the_phone_rings(priced):
    for statuses in ((), ("dialing",)):
        call = _moved(start_call(priced, f"+98912000000{len(statuses)}", now=T0), *statuses)
        assert _error(verify_call, call, call.caller_number[-4:], now=T0).code == "code_not_found"
        assert call.attempts == 0


def test_an_answered_call_accepts_its_code(priced):
    from flashcall.telephony.drivers import simulator
    simulator.set_outcome(PHONE, "answered")
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    assert call.status == "answered" and call.cost == PRICE
    assert verify_call(call, typed_code(PHONE, 4), now=T0).status == "verified"
    assert _charges() == 1
    assert _webhooks(call) == ["answered", "verified"]


def test_a_failed_call_has_no_code(priced):
    from flashcall.telephony.drivers import simulator
    simulator.set_outcome(PHONE, "busy")
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    assert _error(verify_call, call, call.caller_number[-4:], now=T0).code == "code_not_found"
    assert _webhooks(call) == ["failed"]


def test_an_expired_code_is_refused_whatever_is_typed_and_costs_no_attempt(priced):
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    code = typed_code(PHONE, 4)
    at = call.expires_at
    assert _error(verify_call, call, "0000" if code != "0000" else "1111", now=at).code == "code_expired"
    assert _error(verify_call, call, code, now=at).code == "code_expired"
    assert call.attempts == 0 and call.status == "expired" and call.ended_at == T0  # it ended when delivered


def test_the_last_moment_before_expiry_still_verifies(priced):
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    just_before = call.expires_at - timedelta(microseconds=1)
    assert verify_call(call, typed_code(PHONE, 4), now=just_before).status == "verified"


# -- lazy expiry, state by state ---------------------------------------------------------------------

@pytest.mark.parametrize("statuses, lease, expected", [
    ((), None, ("failed", "timeout")),                          # never dialled in its lifetime
    (("dialing",), None, ("failed", "timeout")),                # dialled, its dispatcher gone
    (("dialing",), -1, ("failed", "timeout")),                  # its lease ran out
    (("dialing",), 0, ("failed", "timeout")),                   # its lease ends this very moment
    (("dialing",), +30, ("dialing", None)),                     # a live dispatcher still drives it
    (("dialing", "ringing"), None, ("expired", None)),
    (("dialing", "ringing", "delivered"), None, ("expired", None)),
    (("dialing", "ringing", "answered"), None, ("expired", None)),
])
def test_expiry_by_state(priced, statuses, lease, expected):
    call = _moved(start_call(priced, PHONE, now=T0), *statuses)
    at = call.expires_at
    if lease is not None:
        call.lease_expires_at = at + timedelta(seconds=lease)
    changes, ended = expected[0] != call.status, call.ended_at
    assert expire_if_due(call, at) is changes
    assert (call.status, call.failure_reason) == expected
    if changes:
        assert call.ended_at == (ended or at) and call.reserved == 0


def test_nothing_expires_before_its_time_or_after_it_ended(priced):
    call = _moved(start_call(priced, PHONE, now=T0), "dialing", "ringing", "delivered")
    assert expire_if_due(call, call.expires_at - timedelta(seconds=1)) is False
    assert call.status == "delivered"
    transition(call, "verified", T0)
    assert expire_if_due(call, call.expires_at + timedelta(hours=1)) is False
    assert call.status == "verified"


def test_reading_a_call_past_its_lifetime_expires_it_once(priced):
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.expire_all()
    found = find_call(priced, call.id)  # real time: long past T0's two minutes
    assert found.status == "expired" and _kinds(found).count("expired") == 1
    assert find_call(priced, call.id).status == "expired" and _kinds(found).count("expired") == 1
    assert _webhooks(found) == ["delivered", "expired"]


def test_find_call_refuses_ids_that_cannot_be_calls(priced):
    assert find_call(priced, None) is None and find_call(priced, 42) is None
    assert find_call(priced, "x" * 37) is None


def test_transitions_outside_the_machine_are_bugs(priced):
    call = start_call(priced, PHONE, now=T0)
    for status in ("ringing", "delivered", "verified", "expired", "answered"):
        assert not can_transition(call, status)
    with pytest.raises(TransitionError):
        transition(call, "delivered", T0)
    db.session.rollback()


def test_each_step_is_stamped(priced):
    call = start_call(priced, PHONE, now=T0)
    steps = [("dialing", 1), ("ringing", 2), ("delivered", 4), ("verified", 9)]
    for status, second in steps:
        transition(call, status, T0 + timedelta(seconds=second))
    assert (call.dialed_at, call.ringing_at, call.ended_at, call.verified_at) == tuple(
        T0 + timedelta(seconds=s) for s in (1, 2, 4, 9))
    assert [e.at for e in call.events] == [T0] + [T0 + timedelta(seconds=s) for _status, s in steps]
    db.session.commit()


def test_a_client_cancel_is_recorded_as_such(priced):
    call = cancel_call(start_call(priced, PHONE, now=T0), now=T0)
    assert [(e.kind, e.detail) for e in call.events] == [("queued", None), ("canceled", "client")]
    assert call.failure_reason is None


def test_answers_after_each_operation_need_no_reading_back(priced, monkeypatch):
    """The engine's operations return calls that still hold what was written: the API answers from them
    without a statement (the busiest paths stay at their few round trips)."""
    from flashcall.api.serializers import call_json
    from sqlalchemy import event

    def statements_to_answer(call):
        seen = []
        listen = (db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        event.listen(*listen)
        try:
            call_json(call)
        finally:
            event.remove(*listen)
        return seen

    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.expire_all()
    found = find_call(priced, call.id)
    assert found.status == "expired"  # real time is long past T0: found past its lifetime, expired on reading
    assert statements_to_answer(found) == []
    second = _moved(start_call(priced, "+989120000009", now=T0), "dialing", "ringing", "delivered")
    db.session.expire_all()
    verified = verify_call(second, second.caller_number[-4:], now=T0)
    assert statements_to_answer(verified) == []
    third = start_call(priced, "+989120000008", now=T0)
    db.session.expire_all()
    assert statements_to_answer(cancel_call(third, now=T0)) == []
    fourth = start_call(priced, "+989120000006", now=T0)
    db.session.expire_all()
    assert statements_to_answer(retry_call(fourth, now=T0 + timedelta(minutes=5))) == []  # never dialled: failed


def test_find_call_expires_a_code_at_its_very_deadline(priced, monkeypatch):
    from flashcall.verification import calls
    call = _moved(start_call(priced, PHONE, now=T0), "dialing", "ringing", "delivered")
    monkeypatch.setattr(calls, "utcnow", lambda: call.expires_at)
    assert find_call(priced, call.id).status == "expired"
    other = _moved(start_call(priced, "+989120000007", now=T0), "dialing", "ringing", "delivered")
    monkeypatch.setattr(calls, "utcnow", lambda: other.expires_at - timedelta(microseconds=1))
    assert find_call(priced, other.id).status == "delivered"


def test_finding_a_live_call_is_one_read(priced):
    from sqlalchemy import event
    call_id = start_call(priced, PHONE).id  # now: alive for two minutes
    db.session.expunge_all()
    service = db.session.get(type(priced), priced.id)
    seen = []
    listen = (db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    event.listen(*listen)
    try:
        assert find_call(service, call_id).status == "queued"
    finally:
        event.remove(*listen)
    assert [s.split()[0].upper() for s in seen if not s.upper().startswith(("BEGIN", "COMMIT"))] == ["SELECT"]
