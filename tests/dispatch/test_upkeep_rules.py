"""Which calls the worker's upkeep moves (dispatch.maintenance): every live status expires once due and
free of a lease, a lease that ends exactly now still holds, a pass moves at most one batch (also when it
falls back to one call at a time), and recovery and expiry both run in the pass's one transaction."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import update

from flashcall.db import db
from flashcall.dispatch import maintenance
from flashcall.models import Call
from flashcall.verification import calls as engine_calls
from flashcall.verification import start_call

from ..verification.conftest import T0, ctx, service  # noqa: F401

PHONES = ("+989121110001", "+989121110002", "+989121110003")


def _call(service, phone, status, expires_at, lease_expires_at=None):
    """A call of `service` set straight into `status` (dialled and ringing at T0 when past queued)."""
    call = start_call(service, phone, now=T0)
    values = {"status": status, "expires_at": expires_at, "lease_expires_at": lease_expires_at,
              "lease_owner": "someone" if lease_expires_at else None}
    if status != "queued":
        values |= {"dialed_at": T0, "ringing_at": None if status == "dialing" else T0}
    if status == "answered":
        values["answered_at"] = T0
    db.session.execute(update(Call).where(Call.id == call.id).values(**values))
    db.session.commit()
    return call.id


def _status(call_id):
    db.session.expire_all()
    call = db.session.get(Call, call_id)
    return call.status, call.failure_reason


@pytest.mark.parametrize("status, ends", [("queued", ("failed", "timeout")), ("ringing", ("expired", None)),
                                          ("delivered", ("expired", None)), ("answered", ("expired", None))])
def test_every_live_status_ends_once_its_lifetime_is_over(service, status, ends):
    due = T0 + timedelta(minutes=5)
    call_id = _call(service, PHONES[0], status, expires_at=due)
    assert maintenance.expire_due(due - timedelta(microseconds=1)) == 0
    assert _status(call_id) == (status, None)
    assert maintenance.expire_due(due) == 1  # due at the very moment
    assert _status(call_id) == ends


def test_a_lease_that_ends_exactly_now_still_holds(service):
    now = T0 + timedelta(minutes=10)
    driven = _call(service, PHONES[0], "ringing", expires_at=T0 + timedelta(minutes=5), lease_expires_at=now)
    dialing = _call(service, PHONES[1], "dialing", expires_at=now + timedelta(minutes=5), lease_expires_at=now)
    assert maintenance.expire_due(now) == 0 and maintenance.recover_expired_leases(now) == 0
    assert _status(driven) == ("ringing", None) and _status(dialing) == ("dialing", None)
    just_after = now + timedelta(microseconds=1)
    assert maintenance.recover_expired_leases(just_after) == 2
    assert _status(driven) == ("delivered", None) and _status(dialing) == ("failed", "interrupted")


def test_maintain_counts_the_recovered_and_the_expired(service):
    now = T0 + timedelta(minutes=10)
    _call(service, PHONES[0], "dialing", expires_at=now + timedelta(minutes=5), lease_expires_at=T0)
    _call(service, PHONES[1], "delivered", expires_at=T0 + timedelta(minutes=5))
    assert maintenance.maintain(now) == 2


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(maintenance, "BATCH", 2)


def test_a_pass_moves_at_most_one_batch(service, small_batches, caplog):
    due = T0 + timedelta(minutes=5)
    ids = [_call(service, phone, "delivered", expires_at=due) for phone in PHONES]
    with caplog.at_level(logging.WARNING, logger="flashcall.dispatcher"):
        assert maintenance.expire_due(due) == 2
        assert sorted(_status(call_id)[0] for call_id in ids) == ["delivered", "expired", "expired"]
        assert maintenance.expire_due(due) == 1
    assert "one by one" not in caplog.text  # each pass was one transaction


def test_one_call_at_a_time_still_moves_at_most_one_batch(service, small_batches, monkeypatch):
    """The batch's transaction fails once; its calls are then moved one by one: no more than a batch."""
    due = T0 + timedelta(minutes=5)
    ids = [_call(service, phone, "delivered", expires_at=due) for phone in PHONES]
    real, failures = engine_calls.transition, []

    def failing_once(call, status, *args, **kwargs):
        if not failures:
            failures.append(call.id)
            raise RuntimeError("boom")
        return real(call, status, *args, **kwargs)
    monkeypatch.setattr(engine_calls, "transition", failing_once)
    assert maintenance.expire_due(due) == 2
    assert sorted(_status(call_id)[0] for call_id in ids) == ["delivered", "expired", "expired"]


def test_recovery_runs_in_one_transaction_and_a_call_it_cannot_move_fails_at_that_moment(service, monkeypatch,
                                                                                     caplog):
    now = T0 + timedelta(minutes=10)
    good = _call(service, PHONES[0], "ringing", expires_at=now + timedelta(minutes=5), lease_expires_at=T0)
    with caplog.at_level(logging.WARNING, logger="flashcall.dispatcher"):
        assert maintenance.recover_expired_leases(now) == 1
    assert "one by one" not in caplog.text and _status(good) == ("delivered", None)

    bad = _call(service, PHONES[1], "dialing", expires_at=now + timedelta(minutes=5), lease_expires_at=T0)
    real = maintenance.transition

    def refusing_interrupted(call, status, at, reason=None, **kwargs):
        if reason == "interrupted":
            raise RuntimeError("boom")
        return real(call, status, at, reason, **kwargs)
    monkeypatch.setattr(maintenance, "transition", refusing_interrupted)
    later = now + timedelta(seconds=30)
    assert maintenance.recover_expired_leases(later) == 1
    assert _status(bad) == ("failed", "internal_error")
    call = db.session.get(Call, bad)
    assert [(e.kind, e.at) for e in call.events][-1] == ("failed", later)
    assert (call.ended_at, call.lease_expires_at) == (later, None)
