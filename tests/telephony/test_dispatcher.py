import json
import logging
import queue
from datetime import timedelta

from sqlalchemy import event, select

from flashcall.db import db
from flashcall.models import Call, Gateway, SimInboxEntry
from flashcall.telephony.drivers import simulator
from flashcall.telephony.events import Event
from flashcall.clock import utcnow
from flashcall.dispatch.dispatcher import Dispatcher
from flashcall.dispatch.maintenance import expire_due
from tests.worker import run_once, settings
from flashcall.verification import start_call

from .conftest import PHONE, T0


def _kinds(call):
    db.session.refresh(call)
    return [e.kind for e in call.events]


def _claimed(service, now=T0, status="dialing", lease_left=-1):
    """A call some dispatcher claimed and then died in `status`; its lease ran out `lease_left` s ago."""
    call = start_call(service, PHONE, now=now)
    dead = Dispatcher("dead-worker", settings())
    dead.claim(now)
    dead.fleet.stop()  # it dies: what its gateway says from now on is never applied
    dead.events = queue.SimpleQueue()
    if status == "ringing":
        dead.report(Event(call.id, "ringing", at=now))  # it dies mid-ring
        dead.apply_events()
    db.session.refresh(call)
    assert call.status == status
    call.lease_expires_at = now + timedelta(seconds=lease_left)
    db.session.commit()
    return call


def test_outcomes_per_number(service):
    outcomes = {"+989121111111": "busy", "+989122222222": "unreachable", "+989123333333": "answered"}
    for phone, outcome in outcomes.items():
        simulator.set_outcome(phone, outcome)
        start_call(service, phone, now=T0)
    start_call(service, PHONE, now=T0)
    run_once(now=T0)
    got = {c.phone: (c.status, c.failure_reason) for c in db.session.query(Call)}
    assert got == {"+989121111111": ("failed", "busy"), "+989122222222": ("failed", "unreachable"),
                   "+989123333333": ("answered", None), PHONE: ("delivered", None)}


def test_outcomes_from_gateway_config(service):
    gateway = db.session.query(Gateway).filter_by(is_default=True).one()
    gateway.config = json.dumps({"outcomes": {PHONE: "unreachable"}, "default": "answered"})
    db.session.commit()
    a = start_call(service, PHONE, now=T0)
    b = start_call(service, "+989129999999", now=T0)
    run_once(now=T0)
    assert (a.status, a.failure_reason, b.status) == ("failed", "unreachable", "answered")


def test_virtual_phone_inbox_only_for_calls_that_rang(service):
    simulator.set_outcome("+989121111111", "busy")
    rang = start_call(service, PHONE, now=T0)
    start_call(service, "+989121111111", now=T0)
    run_once(now=T0)
    entries = simulator.inbox(PHONE)
    assert [(e.caller_number, e.call_id, name) for e, name in entries] == [(rang.caller_number, rang.id, service.name)]
    assert simulator.inbox("+989121111111") == []


def test_sim_inbox_command_newest_first(app, service, runner):
    first = start_call(service, PHONE, now=T0)
    run_once(now=T0)
    second = start_call(service, PHONE, now=T0 + timedelta(minutes=5))
    run_once(now=T0 + timedelta(minutes=5))
    db.session.commit()
    result = runner.invoke(args=["sim", "inbox", "۰۹۱۲ ۱۲۳ ۴۵۶۷"])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0 and len(lines) == 2
    assert lines[0].startswith(second.caller_number) and lines[1].startswith(first.caller_number)
    assert runner.invoke(args=["sim", "inbox", "not-a-phone"]).exit_code != 0


def test_dispatcher_once_command(app, service, runner):
    call = start_call(service, PHONE)
    db.session.commit()
    assert runner.invoke(args=["dispatcher", "--once", "--verbose", "--worker-id", "cli"]).exit_code == 0
    assert _kinds(call)[-1] == "delivered"


def test_failures_are_logged_and_each_step_only_when_verbose(service, caplog):
    simulator.set_outcome("+989121111111", "busy")
    busy = start_call(service, "+989121111111", now=T0)
    rang = start_call(service, PHONE, now=T0)
    caplog.set_level(logging.DEBUG, logger="flashcall.dispatcher")
    run_once(now=T0)
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    debug = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert info == [f"call {busy.id} failed (busy)"]
    assert f"call {rang.id} dialing" in debug and f"call {rang.id} delivered" in debug
    caplog.clear()
    expire_due(T0 + timedelta(hours=1))  # expiry is every unverified call's normal end: DEBUG
    assert [r.getMessage() for r in caplog.records] == [f"call {rang.id} expired"]
    assert caplog.records[0].levelno == logging.DEBUG


def test_live_lease_is_left_alone(service):
    call = _claimed(service, status="dialing", lease_left=+20)
    run_once(now=T0)
    assert call.status == "dialing" and call.lease_owner == "dead-worker"


def test_crashed_while_dialing_fails_as_interrupted_and_is_never_redialed(service):
    call = _claimed(service, status="dialing")
    run_once(now=T0)
    assert (call.status, call.failure_reason, call.lease_owner) == ("failed", "interrupted", None)
    assert _kinds(call).count("dialing") == 1
    assert db.session.query(SimInboxEntry).count() == 0


def test_crashed_while_ringing_is_delivered(service):
    call = _claimed(service, status="ringing")
    run_once(now=T0)
    assert call.status == "delivered" and _kinds(call) == ["queued", "dialing", "ringing", "delivered"]
    assert db.session.query(SimInboxEntry).count() == 1


def test_crashed_after_claim_queued_call_is_claimed_again(service):
    call = start_call(service, PHONE, now=T0)
    call.lease_owner, call.lease_expires_at = "dead-worker", T0 - timedelta(seconds=1)
    db.session.commit()
    run_once(now=T0)
    assert _kinds(call) == ["queued", "dialing", "ringing", "delivered"]


def test_dead_workers_steps_are_void_after_recovery(service):
    call = start_call(service, PHONE, now=T0)
    dead = Dispatcher("slow-worker", settings())
    dead.claim(T0)
    call.lease_expires_at = T0 - timedelta(seconds=1)
    db.session.commit()
    run_once(now=T0)  # recovers: failed(interrupted)
    assert dead.finish(10)  # the old worker wakes up and applies what its gateway said: void
    assert _kinds(call) == ["queued", "dialing", "failed"]


def test_expiry_without_anyone_polling(service):
    delivered = start_call(service, PHONE, now=T0)
    run_once(now=T0)
    never_dialed = start_call(service, "+989121111111", now=T0)
    run_once(now=T0 + timedelta(minutes=3))
    db.session.refresh(delivered)
    db.session.refresh(never_dialed)
    assert delivered.status == "expired"
    assert (never_dialed.status, never_dialed.failure_reason) == ("failed", "timeout")


def test_the_simulator_reports_after_its_delays(app, service):
    app.config.update(SIM_RING_DELAY=0.2, SIM_RING_SECONDS=0.3)
    now = utcnow()
    call = start_call(service, PHONE, now=now)
    worker = Dispatcher("w", settings())
    try:
        worker.claim(now)
        assert worker.finish(10)
    finally:
        worker.close()
    assert _kinds(call) == ["queued", "dialing", "ringing", "delivered"]
    assert call.ringing_at == call.dialed_at + timedelta(seconds=0.2)
    assert call.ended_at == call.dialed_at + timedelta(seconds=0.5)


def _statements(work):
    seen = []
    listen = (db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    event.listen(*listen)
    try:
        work()
    finally:
        event.remove(*listen)
    return seen


def test_a_batch_is_moved_in_as_many_statements_as_one_call(make):
    """Set-based: claiming and applying cost the same statements for 1 call as for 15."""
    counts = []
    for n in (1, 15):
        service = make.service(min_interval_seconds=0, daily_limit=100, price_per_call=0)
        calls = [start_call(service, f"+98912{n:02d}{i:05d}", now=T0) for i in range(n)]
        dispatcher = Dispatcher(f"batch-{n}", settings())
        dispatcher.fleet.driver(calls[0].gateway_id)  # the gateway's driver started beforehand
        claimed = _statements(lambda: dispatcher.claim(T0))
        dispatcher.fleet.stop()  # from here on only what the test reports is applied
        dispatcher.events = queue.SimpleQueue()
        for call in calls:
            dispatcher.report(Event(call.id, "ringing", at=T0))
            dispatcher.report(Event(call.id, "delivered", at=T0))
        applied = _statements(dispatcher.apply_events)
        counts.append((len(claimed), len(applied)))
        assert [c.status for c in db.session.scalars(select(Call).where(Call.service_id == service.id))] == \
            ["delivered"] * n
        assert all(_kinds(call) == ["queued", "dialing", "ringing", "delivered"] for call in calls)
    assert counts[0] == counts[1], applied


def test_a_batch_is_dialled_oldest_first(service):
    calls = [start_call(service, f"+98912{i:07d}", now=T0 + timedelta(seconds=i)) for i in range(12)]
    dispatcher = Dispatcher("order", settings())
    dialled = []
    dispatcher._dial = lambda driver, request: dialled.append(request.call_id)
    try:
        dispatcher.claim(T0 + timedelta(minutes=1))
    finally:
        dispatcher.close()
    assert dialled == [call.id for call in calls]
