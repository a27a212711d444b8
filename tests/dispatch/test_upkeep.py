"""The worker's upkeep of calls (dispatch.maintenance): a recovered or failed call ends at the moment of
the pass, a call failed by upkeep keeps no lease, one that can no longer fail is set aside quietly, and
a call that times out says why in the worker's log."""
import logging
from datetime import timedelta

from sqlalchemy import update

from flashcall.clock import utcnow
from flashcall.db import db, on_postgresql
from flashcall.dispatch import maintenance
from flashcall.dispatch.dispatcher import Dispatcher
from flashcall.models import Call
from flashcall.settings import Settings
from flashcall.verification import calls as engine_calls
from flashcall.verification import start_call
from tests.worker import run_once

from ..verification.conftest import PHONE, T0, ctx, service  # noqa: F401

OTHERS = ("+989121111111", "+989122222222")


def _died_with(service, phone, settings, now):
    """A call claimed by a dispatcher that then died (its lease runs out soon after `now`)."""
    call = start_call(service, phone, now=now)
    dead = Dispatcher(f"dead-{phone}", settings)
    dead.claim(now)
    dead.finish(0.5)
    dead.fleet.stop()
    db.session.refresh(call)
    return call


def test_recovered_calls_end_at_the_moment_of_recovery(service):
    now = utcnow()
    dialing = _died_with(service, PHONE, Settings(sim_ring_delay=1800, sim_ring_seconds=0), now)
    ringing = _died_with(service, OTHERS[0], Settings(sim_ring_delay=0, sim_ring_seconds=3600), now)
    assert (dialing.status, ringing.status) == ("dialing", "ringing")
    later = now + timedelta(minutes=1)  # both leases ran out, both codes still alive
    assert maintenance.recover_expired_leases(later) == 2
    db.session.expire_all()
    assert (dialing.status, dialing.failure_reason, dialing.ended_at) == ("failed", "interrupted", later)
    assert (ringing.status, ringing.ended_at) == ("delivered", later)
    assert [(e.kind, e.at) for e in ringing.events][-1] == ("delivered", later)


def _raising_for(real, bad_id, status, meanwhile=None):
    raised = []

    def transition(call, to, *args, **kwargs):
        if call.id == bad_id and to == status:
            raised.append(to)
            if meanwhile is not None and len(raised) == 2:  # the batch failed, then the call alone
                meanwhile()
            raise RuntimeError("boom")
        return real(call, to, *args, **kwargs)
    return transition


def test_a_call_failed_by_upkeep_ends_then_and_holds_no_lease(service, monkeypatch):
    calls = [start_call(service, phone, now=T0) for phone in (PHONE,) + OTHERS]
    run_once(now=T0)
    bad = calls[0]
    monkeypatch.setattr(engine_calls, "transition", _raising_for(engine_calls.transition, bad.id, "expired"))
    later = T0 + timedelta(hours=1)
    maintenance.expire_due(later)
    db.session.expire_all()
    assert (bad.status, bad.failure_reason, bad.ended_at) == ("failed", "internal_error", T0)  # ended ringing
    assert [(e.kind, e.at) for e in bad.events][-1] == ("failed", later)
    assert (bad.lease_owner, bad.lease_expires_at) == (None, None)  # not set aside: it has ended


def test_a_call_verified_meanwhile_is_set_aside_without_an_error(service, monkeypatch, caplog):
    calls = [start_call(service, phone, now=T0) for phone in (PHONE,) + OTHERS]
    run_once(now=T0)
    bad = calls[0]
    bad_id = bad.id

    def verified_meanwhile():
        db.session.execute(update(Call).where(Call.id == bad_id).values(status="verified"))
        db.session.commit()
    monkeypatch.setattr(engine_calls, "transition",
                        _raising_for(engine_calls.transition, bad_id, "expired", verified_meanwhile))
    later = T0 + timedelta(hours=1)
    caplog.set_level(logging.INFO, logger="flashcall.dispatcher")
    maintenance.expire_due(later)
    db.session.expire_all()
    assert (bad.status, bad.failure_reason) == ("verified", None)  # the user's answer stands
    assert bad.lease_expires_at == later + timedelta(minutes=1)  # set aside: not picked up again at once
    assert not [r for r in caplog.records if "could not be failed" in r.getMessage()]
    assert [c.status for c in calls[1:]] == ["expired", "expired"]


def test_a_call_never_dialled_times_out_and_the_log_says_so(service, caplog):
    call = start_call(service, PHONE, now=T0)  # no dispatcher ever claims it
    caplog.set_level(logging.INFO, logger="flashcall.dispatcher")
    assert maintenance.expire_due(T0 + timedelta(hours=1)) == 1
    db.session.refresh(call)
    assert (call.status, call.failure_reason) == ("failed", "timeout")
    assert [(r.levelname, r.getMessage()) for r in caplog.records if call.id in r.getMessage()] == [
        ("INFO", f"call {call.id} failed (timeout)")]


def test_failing_a_call_waits_for_its_row_lock_on_postgresql(service, monkeypatch):
    """The last resort reads the call FOR UPDATE (waiting, not skipping: it must fail this very call), so a
    dispatcher or a client writing it meanwhile cannot be overwritten. SQLite serialises writers anyway."""
    from sqlalchemy import event

    calls = [start_call(service, phone, now=T0) for phone in (PHONE,) + OTHERS]
    run_once(now=T0)
    bad = calls[0]
    monkeypatch.setattr(engine_calls, "transition", _raising_for(engine_calls.transition, bad.id, "expired"))
    seen = []

    def capture(conn, cursor, statement, *rest):
        seen.append(" ".join(statement.split()))
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        maintenance.expire_due(T0 + timedelta(hours=1))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    db.session.refresh(bad)
    assert (bad.status, bad.failure_reason) == ("failed", "internal_error")
    waiting = [s for s in seen if s.startswith("SELECT") and s.endswith("FOR UPDATE")]
    if on_postgresql():
        assert len(waiting) == 1 and "FROM call" in waiting[0]
    else:
        assert waiting == []
