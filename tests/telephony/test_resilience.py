"""One bad call never stalls the others (its event, its recovery or its expiry fails: it ends
failed(internal_error) through the engine, the rest go on), and leases are renewed while a call
is driven, so a dead dispatcher's calls are recovered within one short lease."""
import logging
from datetime import timedelta

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.dispatch import dispatcher as dispatcher_module
from flashcall.dispatch import maintenance
from flashcall.dispatch.dispatcher import Dispatcher
from flashcall.models import Call
from flashcall.settings import Settings
from flashcall.verification import calls as engine_calls
from flashcall.verification import cancel_call, start_call
from tests.worker import run_once

from .conftest import PHONE, T0

OTHERS = ("+989121111111", "+989122222222")


def _raising_for(real, bad_id, status):
    def transition(call, to, *args, **kwargs):
        if call.id == bad_id and to == status:
            raise RuntimeError("boom")
        return real(call, to, *args, **kwargs)
    return transition


def _state(call):
    db.session.refresh(call)
    return call.status, call.failure_reason, call.lease_owner


def test_a_call_whose_event_cannot_be_applied_fails_alone(service, monkeypatch, caplog):
    bad = start_call(service, PHONE, now=T0)
    good = [start_call(service, phone, now=T0) for phone in OTHERS]
    monkeypatch.setattr(dispatcher_module, "transition",
                        _raising_for(dispatcher_module.transition, bad.id, "delivered"))
    caplog.set_level(logging.INFO, logger="flashcall.dispatcher")
    run_once(now=T0)
    assert _state(bad) == ("failed", "internal_error", None)
    assert [e.kind for e in bad.events] == ["queued", "dialing", "ringing", "failed"]
    assert [_state(call) for call in good] == [("delivered", None, None)] * 2
    assert any(r.levelno == logging.ERROR and bad.id in r.getMessage() for r in caplog.records)


def test_a_call_that_cannot_be_recovered_fails_alone(service, monkeypatch):
    now = utcnow()
    calls = [start_call(service, phone, now=now) for phone in (PHONE,) + OTHERS]
    dead = Dispatcher("dead", Settings(sim_ring_delay=0, sim_ring_seconds=3600))
    dead.claim(now)
    assert dead.finish(0.5) is False  # all three ringing: the phones ring for an hour
    dead.fleet.stop()  # then it dies
    bad = calls[0]
    monkeypatch.setattr(maintenance, "transition", _raising_for(maintenance.transition, bad.id, "delivered"))
    maintenance.maintain(now + timedelta(minutes=1))
    assert _state(bad) == ("failed", "internal_error", None)
    assert [_state(call)[:2] for call in calls[1:]] == [("delivered", None)] * 2


def test_a_call_that_cannot_expire_fails_alone(service, monkeypatch):
    calls = [start_call(service, phone, now=T0) for phone in (PHONE,) + OTHERS]
    run_once(now=T0)
    bad = calls[0]
    monkeypatch.setattr(engine_calls, "transition", _raising_for(engine_calls.transition, bad.id, "expired"))
    maintenance.expire_due(T0 + timedelta(hours=1))
    assert _state(bad) == ("failed", "internal_error", None)
    assert [_state(call)[0] for call in calls[1:]] == ["expired", "expired"]


def test_a_call_that_cannot_even_fail_is_set_aside_and_the_rest_go_on(service, monkeypatch):
    calls = [start_call(service, phone, now=T0) for phone in (PHONE,) + OTHERS]
    run_once(now=T0)
    bad = calls[0]

    def never(call, to, *args, **kwargs):
        if call.id == bad.id:
            raise RuntimeError("boom")
        return real(call, to, *args, **kwargs)
    real = maintenance.transition
    monkeypatch.setattr(engine_calls, "transition", never)
    monkeypatch.setattr(maintenance, "transition", never)
    later = T0 + timedelta(hours=1)
    maintenance.expire_due(later)
    assert [_state(call)[0] for call in calls[1:]] == ["expired", "expired"]
    db.session.refresh(bad)
    assert bad.status == "delivered" and bad.lease_expires_at == later + maintenance.SET_ASIDE


def test_leases_are_renewed_while_driven_and_a_dead_dispatchers_calls_recovered_within_one_lease(service):
    assert Settings().dispatch_lease_seconds <= 10
    lease = timedelta(seconds=Settings().dispatch_lease_seconds)
    start = utcnow()
    call = start_call(service, PHONE, now=start)
    driving = Dispatcher("driving", Settings(sim_ring_delay=0, sim_ring_seconds=3600))
    driving.claim(start)
    driving.finish(0.3)
    assert _state(call) == ("ringing", None, "driving")
    for step in range(1, 16):  # 30 s of ringing, far past one lease: renewed, never recovered
        now = start + timedelta(seconds=2 * step)
        assert driving.renew(now) == 1
        maintenance.maintain(now)
        assert _state(call) == ("ringing", None, "driving")
    died = start + timedelta(seconds=30)
    driving.fleet.stop()  # it dies: no more renewals
    maintenance.maintain(died + lease - timedelta(seconds=0.5))
    assert _state(call)[0] == "ringing"
    maintenance.maintain(died + lease + timedelta(seconds=0.5))
    assert _state(call) == ("delivered", None, None)


def test_a_call_canceled_meanwhile_is_hung_up_at_the_gateway(service):
    start = utcnow()
    call = start_call(service, PHONE, now=start)
    driving = Dispatcher("driving", Settings(sim_ring_delay=1800, sim_ring_seconds=0))
    try:
        driving.claim(start)
        cancel_call(call)
        assert driving.renew(start + timedelta(seconds=2)) == 0
        assert driving.pending == 0
        driver = next(iter(driving.fleet._running.values()))[1]
        assert driver._due == []  # the virtual phone will never ring
    finally:
        driving.close()
    assert _state(call)[0] == "canceled"
