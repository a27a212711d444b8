from datetime import timedelta

import pytest
from sqlalchemy import event, func, inspect, select

from flashcall.billing import balance
from flashcall.db import db, on_postgresql
from flashcall.api.serializers import call_json
from flashcall.models import Call, CallEvent, LedgerEntry
from tests.worker import run_once
from flashcall.verification import (VerificationError, cancel_call, find_call, retry_call, start_call,
                                    verify_call, verify_owned, verify_phone)
from flashcall.verification.lifecycle import transition

from tests.virtual_phone import typed_code

from .conftest import PHONE, T0


def _error(fn, *args, **kwargs):
    with pytest.raises(VerificationError) as err:
        fn(*args, **kwargs)
    return err.value


def _delivered(service, phone=PHONE, now=T0):
    call = start_call(service, phone, now=now)
    run_once(now=now)
    db.session.refresh(call)
    assert call.status == "delivered"
    return call


def _code(call):
    """The code the person types, read off the virtual phone (not Call.code)."""
    return typed_code(call.phone, call.code_length)


def _wrong(code):
    return "0000" if code != "0000" else "1111"


def test_start_queues_a_call_with_a_timeline(service):
    call = start_call(service, "0912 123 4567", now=T0)
    assert call.status == "queued" and call.phone == PHONE
    assert call.expires_at == T0 + timedelta(minutes=2)
    assert [e.kind for e in call.events] == ["queued"]


def test_a_new_call_is_answered_from_what_was_written_without_reading_it_back(service):
    call = start_call(service, PHONE, now=T0)
    statements = []
    listen = (db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    event.listen(*listen)
    try:
        answer = call_json(call)
    finally:
        event.remove(*listen)
    assert statements == []
    assert answer["status"] == "queued" and answer["attempts"] == 0 and answer["dialed_at"] is None
    assert [e["kind"] for e in answer["events"]] == ["queued"]
    db.session.expunge_all()  # what the database holds is what was answered
    stored = db.session.get(Call, call.id)
    assert call_json(stored) == answer
    columns = [column.key for column in Call.__table__.columns]
    assert {k: getattr(stored, k) for k in columns} == {k: getattr(call, k) for k in columns}
    # the INSERT names every column, so only Python-side defaults can apply (inserts.new_row)
    assert not any(column.server_default for column in Call.__table__.columns)


def test_a_transition_appends_its_event_without_loading_the_timeline(service):
    call = start_call(service, PHONE, now=T0)
    db.session.expunge_all()
    stored = db.session.get(Call, call.id)
    transition(stored, "dialing", T0)
    assert "events" in inspect(stored).unloaded  # not read to append
    assert [e.kind for e in stored.events] == ["queued", "dialing"]  # read later: complete


def test_dispatch_rings_the_phone_and_records_each_step(service):
    call = _delivered(service)
    assert [e.kind for e in call.events] == ["queued", "dialing", "ringing", "delivered"]
    assert call.dialed_at and call.ringing_at and call.ended_at and call.lease_owner is None


def test_suspended_service_is_refused(service):
    service.status = "suspended"
    assert _error(start_call, service, PHONE, now=T0).code == "service_disabled"


def test_interval_limit_with_retry_after(service):
    start_call(service, PHONE, now=T0)
    err = _error(start_call, service, "09121234567", now=T0 + timedelta(seconds=30.5))
    assert err.code == "interval_limit" and err.fields["retry_after"] == 90
    assert start_call(service, PHONE, now=T0 + timedelta(seconds=120)).status == "queued"


def test_interval_is_per_number_and_per_service(service, make):
    start_call(service, PHONE, now=T0)
    assert start_call(service, "+989121234568", now=T0)
    assert start_call(make.service(), PHONE, now=T0)


def test_daily_limit_counts_the_tehran_day(service):
    service.min_interval_seconds = 0
    service.daily_limit = 2
    start_call(service, PHONE, now=T0)
    start_call(service, PHONE, now=T0 + timedelta(seconds=1))
    err = _error(start_call, service, PHONE, now=T0 + timedelta(seconds=2))
    # T0 is 11:30 Tehran; the next Tehran midnight is 12h30m minus 2 s later.
    assert err.code == "daily_limit" and err.fields["retry_after"] == 12 * 3600 + 1800 - 2
    assert start_call(service, PHONE, now=T0 + timedelta(hours=12, minutes=30)).status == "queued"


def test_right_code_verifies_once(service):
    call = _delivered(service)
    assert verify_call(call, _code(call), now=T0 + timedelta(seconds=10)).status == "verified"
    assert call.verified_at and call.events[-1].kind == "verified"
    assert _error(verify_call, call, _code(call)).code == "code_not_found"


def test_persian_digits_in_the_code_are_accepted(service):
    from flashcall.digits import to_persian
    call = _delivered(service)
    assert verify_call(call, to_persian(_code(call)), now=T0).status == "verified"


def test_wrong_codes_count_down_then_even_the_right_code_is_refused(service):
    call = _delivered(service)
    first = _error(verify_call, call, _wrong(_code(call)), now=T0)
    assert first.code == "invalid_code" and first.fields["attempts_left"] == 2
    _error(verify_call, call, _wrong(_code(call)), now=T0)
    last = _error(verify_call, call, _wrong(_code(call)), now=T0)
    assert last.fields["attempts_left"] == 0
    assert call.status == "failed" and call.failure_reason == "attempts"
    assert _error(verify_call, call, _code(call), now=T0).code == "attempts_exhausted"
    assert [e.kind for e in call.events].count("verify_failed") == 3


def test_code_expires_after_its_lifetime(service):
    call = _delivered(service)
    err = _error(verify_call, call, _code(call), now=T0 + timedelta(minutes=2))
    assert err.code == "code_expired" and call.status == "expired"


def test_code_before_the_phone_rings_is_not_found(service):
    call = start_call(service, PHONE, now=T0)
    will_show = call.caller_number[-4:]  # the right code, before any phone has shown it
    assert _error(verify_call, call, will_show, now=T0).code == "code_not_found"


def test_non_digit_code_is_invalid_parameters_and_costs_no_attempt(service):
    call = _delivered(service)
    assert _error(verify_call, call, "abc", now=T0).fields["field"] == "code"
    assert call.attempts == 0


def test_verify_by_phone_uses_the_latest_call(service):
    call = _delivered(service)
    assert verify_phone(service, "۰۹۱۲۱۲۳۴۵۶۷", _code(call), now=T0).id == call.id
    assert _error(verify_phone, service, "09120000000", "1234", now=T0).code == "code_not_found"


def test_find_call_is_scoped_to_the_service_and_applies_expiry(service, make):
    call = _delivered(service, now=T0 - timedelta(minutes=10))
    assert find_call(make.service(), call.id) is None
    assert find_call(service, "not-an-id") is None
    assert find_call(service, call.id).status == "expired"


def test_retry_needs_the_old_call_to_be_over(service):
    call = _delivered(service)
    assert _error(retry_call, call, now=T0 + timedelta(seconds=5)).code == "call_still_active"
    later = T0 + timedelta(minutes=2, seconds=1)
    new = retry_call(call, now=later)  # not held back by the 120 s interval
    assert call.status == "expired" and new.retry_of == call.id
    assert new.caller_number != call.caller_number and new.caller_number[-4:] != call.caller_number[-4:]
    assert _error(verify_call, call, _code(call), now=later).code == "code_expired"


def test_retry_counts_toward_the_daily_limit(service):
    service.daily_limit = 1
    call = start_call(service, PHONE, now=T0)
    assert _error(retry_call, call, now=T0 + timedelta(minutes=3)).code == "daily_limit"


def test_retry_after_a_failed_call(service):
    from flashcall.telephony.drivers import simulator
    simulator.set_outcome(PHONE, "busy")
    call = start_call(service, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    assert call.status == "failed" and call.failure_reason == "busy"
    refused = _error(retry_call, call, now=T0 + timedelta(seconds=1))  # the number's interval holds
    assert refused.code == "interval_limit" and refused.fields["retry_after"] == 119
    assert retry_call(call, now=T0 + timedelta(seconds=120)).status == "queued"


def test_a_call_is_retried_only_once(service):
    """The audit: retries of one call rang the phone 9 times in a second."""
    service.min_interval_seconds = 0
    call = _delivered(service)
    later = T0 + timedelta(minutes=3)
    first = retry_call(call, now=later)
    assert first.retry_of == call.id
    assert _error(retry_call, call, now=later + timedelta(minutes=5)).code == "already_retried"
    run_once(now=later)
    db.session.refresh(first)
    assert retry_call(first, now=later + timedelta(minutes=5)).retry_of == first.id  # the newest may be retried


def test_cancel_kills_the_code(service):
    call = _delivered(service)
    assert cancel_call(call, now=T0).status == "canceled"
    assert _error(verify_call, call, _code(call), now=T0).code == "code_not_found"
    assert cancel_call(call, now=T0).status == "canceled"  # unchanged, no second event
    assert [e.kind for e in call.events].count("canceled") == 1


def test_canceled_queued_call_is_never_dialed(service):
    call = start_call(service, PHONE, now=T0)
    cancel_call(call, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    assert call.status == "canceled" and call.dialed_at is None


def test_no_charge_while_prices_are_zero(service):
    _delivered(service)
    assert balance(service) == {"service_balance": 0, "account_balance": 0, "credit_limit": 0, "reserved": 0,
                                "available": 0, "unit": "IRR"}


def test_delivered_call_is_charged_once_and_failed_calls_never(service):
    from flashcall.telephony.drivers import simulator
    service.price_per_call = 500
    service.account.credit_limit = -10_000
    call = _delivered(service)
    verify_call(call, _code(call), now=T0)
    simulator.set_outcome("+989121234568", "unreachable")
    start_call(service, "+989121234568", now=T0)
    run_once(now=T0)
    assert call.cost == 500
    assert balance(service)["service_balance"] == -500
    assert db.session.query(LedgerEntry).count() == 1


def test_credit_limit_refuses_new_calls(service):
    service.price_per_call = 500
    service.account.credit_limit = -700
    _delivered(service)
    err = _error(start_call, service, "+989121234568", now=T0)
    assert err.code == "insufficient_credit" and err.http_status == 402


def _statements_of(work):
    statements = []
    listen = (db.engine, "before_cursor_execute", lambda *args: statements.append(" ".join(args[2].split())))
    event.listen(*listen)
    try:
        work()
    finally:
        event.remove(*listen)
    return statements


@pytest.mark.parametrize("price", [0, 100])
def test_a_new_call_takes_three_statements_on_postgresql(make, price):
    """The number's lock; its history with the drawn caller numbers; the call, its first event and
    (priced) the account's reservation in one statement. SQLite writes the same in more, still
    reading nothing twice."""
    service = make.service(price_per_call=price)
    service.account.credit_limit = -1000
    db.session.commit()
    start_call(service, "09121234568", now=T0)  # loads the service and its gateway, as the API's key cache holds them
    statements = _statements_of(lambda: start_call(service, PHONE, now=T0))
    if on_postgresql():
        assert len(statements) == 3, statements
        assert "pg_advisory_xact_lock" in statements[0] and statements[2].startswith("WITH")
        assert ("UPDATE account" in statements[2]) == bool(price)
    else:  # the BEGIN IMMEDIATE is the number's lock; then the history, (priced) the reservation, the two rows
        assert statements[0] == "BEGIN IMMEDIATE" and len(statements) == 4 + bool(price), statements
        assert statements[1].startswith("SELECT") and statements[-2].startswith("INSERT INTO call ")


def test_verify_by_id_reads_the_call_once_under_its_lock(service):
    """The call, its events and the lock in one read; then its update and its event (on PostgreSQL in one
    statement)."""
    call = _delivered(service)
    code = _code(call)
    db.session.expunge(call)
    db.session.refresh(service)  # loaded, as the API's key cache enters it in the session
    statements = _statements_of(lambda: verify_owned(service, call.id, code, now=T0))
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) == 1 and "JOIN call_event" in reads[0], statements
    assert ("FOR UPDATE OF call" in reads[0]) == on_postgresql()
    writes = [s for s in statements if s.split()[0] in ("UPDATE", "INSERT", "WITH")]
    if on_postgresql():  # the call's update and its event in one statement
        assert len(writes) == 1 and "UPDATE call SET" in writes[0] and "INSERT INTO call_event" in writes[0], writes
    else:
        assert [s.split()[0] for s in writes] == ["UPDATE", "INSERT"], writes
    assert db.session.get(Call, call.id).status == "verified"


def test_a_verification_leaves_the_call_and_its_events_as_written(service):
    """Verify writes its changes itself (Core statements, not a flush): after a wrong guess and the
    right code the session has nothing left to write, and what it holds is what a fresh read finds."""
    call = _delivered(service)
    right = _code(call)
    with pytest.raises(VerificationError):
        verify_owned(service, call.id, "1" if right == "0" * len(right) else "0" * len(right), now=T0)
    verified = verify_owned(service, call.id, right, now=T0 + timedelta(seconds=5))
    assert not db.session.dirty and not db.session.new

    def seen(found):
        return (found.status, found.attempts, found.verified_at, found.ended_at,
                [(e.id, e.kind, e.at, e.detail) for e in found.events])
    held = seen(verified)
    db.session.expire_all()
    assert seen(db.session.get(Call, call.id)) == held
    assert held[:3] == ("verified", 1, T0 + timedelta(seconds=5))
    assert [kind for _, kind, _, _ in held[4]][-2:] == ["verify_failed", "verified"]


def test_verify_by_id_of_a_call_the_session_does_not_hold(service, make):
    """The call read as loaded objects (verification.loads): only the service's own, its timeline in
    order and tied to it, and the outcome written as a fresh read finds it."""
    call = _delivered(service)
    other = _delivered(make.service(name="Other"), phone="+989121234568")
    right, call_id, other_id, other_code = _code(call), call.id, other.id, _code(other)
    kinds, service_id = [event.kind for event in call.events], service.id
    db.session.expunge_all()
    service = db.session.get(type(service), service_id)
    with pytest.raises(VerificationError) as refused:
        verify_owned(service, other_id, other_code, now=T0)
    assert refused.value.code == "not_found"
    verified = verify_owned(service, call_id, right, now=T0 + timedelta(seconds=5))
    assert verified.service is service and [event.kind for event in verified.events] == kinds + ["verified"]
    assert all(event.call is verified for event in verified.events)
    assert [event.id for event in verified.events] == sorted(event.id for event in verified.events)
    assert not db.session.dirty and not db.session.new
    db.session.expire_all()
    fresh = db.session.get(Call, call_id)
    assert (fresh.status, fresh.verified_at, len(fresh.events)) == ("verified", T0 + timedelta(seconds=5), len(kinds) + 1)


def test_verify_by_id_finds_only_the_services_own_calls(service, make):
    call = _delivered(service)
    other = make.service(name="Other")
    for owner, call_id in ((other, call.id), (service, "no-such-call"), (service, "x" * 37), (service, None)):
        with pytest.raises(VerificationError) as refused:
            verify_owned(owner, call_id, _code(call), now=T0)
        assert refused.value.code == "not_found"
    db.session.expire_all()
    assert db.session.get(Call, call.id).status == "delivered" and db.session.get(Call, call.id).attempts == 0


def test_a_refused_reservation_writes_nothing_and_holds_nothing(make):
    service = make.service(price_per_call=100)
    service.account.credit_limit = -150
    db.session.commit()
    start_call(service, PHONE, now=T0)
    with pytest.raises(VerificationError) as refused:
        start_call(service, "09121234568", now=T0)
    assert refused.value.code == "insufficient_credit"
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Call.id))) == 1
    assert db.session.scalar(select(func.count(CallEvent.id))) == 1
    assert service.account.reserved == 100


def _failing_commit(monkeypatch):
    """The next commit fails (as a lost connection would): commit_or_rollback rolls back."""
    session_class = type(db.session())
    real = session_class.commit

    def fail_once(self):
        monkeypatch.setattr(session_class, "commit", real)
        raise RuntimeError("commit lost")
    monkeypatch.setattr(session_class, "commit", fail_once)


def test_a_verification_whose_commit_fails_leaves_nothing_written_nor_held(service, monkeypatch):
    """Verify writes with Core statements and records the objects as a flush would (db.written): when the
    commit then fails, the rollback expires them, so the session shows what the database holds."""
    call = _delivered(service)
    right, call_id, service_id = _code(call), call.id, service.id
    db.session.expunge_all()
    service = db.session.get(type(service), service_id)
    _failing_commit(monkeypatch)
    with pytest.raises(RuntimeError):
        verify_owned(service, call_id, right, now=T0)
    held = db.session.get(Call, call_id)
    assert (held.status, held.attempts, held.verified_at) == ("delivered", 0, None)
    assert [event.kind for event in held.events] == ["queued", "dialing", "ringing", "delivered"]
    assert db.session.scalar(select(func.count()).select_from(CallEvent).where(CallEvent.call_id == call_id)) == 4
    assert verify_owned(service, call_id, right, now=T0).status == "verified"  # the session still works


def test_a_new_call_whose_commit_fails_is_neither_written_nor_held(service, monkeypatch):
    """The call and its event are entered in the session as loaded objects (db.enter): when the commit
    fails they leave the session with the rollback, and the number can be called again at once."""
    _failing_commit(monkeypatch)
    with pytest.raises(RuntimeError):
        start_call(service, PHONE, now=T0)
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0
    assert not any(isinstance(held, (Call, CallEvent)) for held in db.session.identity_map.values())
    assert start_call(service, PHONE, now=T0).status == "queued"
