"""What the dispatcher passes on: a gateway's own words reach the call's timeline after the reason,
the driver is told of each move at the moment it was applied, and closing cancels each call still
ringing by its id. How it takes the drivers' events: without waiting unless asked to, at most two
batches a pass, a failed batch's events one by one, and finishing sleeps in slices of 50 ms."""
import logging
import queue
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.dispatch import dispatcher as dispatcher_module
from flashcall.dispatch.dispatcher import Dispatcher
from flashcall.models import Call, SimInboxEntry
from flashcall.settings import Settings
from flashcall.telephony.events import Event
from flashcall.verification import start_call
from tests.worker import run_once

from ..verification.conftest import PHONE, T0, ctx, service  # noqa: F401

QUIET = Settings(sim_ring_delay=1800, sim_ring_seconds=0)  # the simulator rings nobody during the test


def _dispatching(service, phones, now):
    """A dispatcher holding `phones`' calls in dialing (the simulator rings nobody meanwhile)."""
    ids = [start_call(service, phone, now=now).id for phone in phones]
    dispatcher = Dispatcher("rules", QUIET)
    dispatcher.claim(now)
    return dispatcher, ids


def _cancels(dispatcher, call_id):
    """The ids the call's driver is told to cancel (it still cancels them)."""
    driver, canceled = dispatcher.inflight[call_id], []
    real = driver.cancel

    def cancel(which):
        canceled.append(which)
        return real(which)
    driver.cancel = cancel
    return canceled


def _timeline(call_id):
    db.session.expire_all()
    call = db.session.get(Call, call_id)
    return call, [(e.kind, e.at, e.detail) for e in call.events]


def test_the_gateways_words_follow_the_reason_in_the_timeline(service):
    now = utcnow()  # the simulator rings at dialling + 30 min: not during the test
    dispatcher, [call_id] = _dispatching(service, [PHONE], now)
    try:
        said = now + timedelta(seconds=2)
        dispatcher.events.put(Event(call_id, "failed", "busy", "SIP 486 Busy Here", said))
        assert dispatcher.apply_events() == 1
    finally:
        dispatcher.close()
    call, timeline = _timeline(call_id)
    assert (call.status, call.failure_reason) == ("failed", "busy")
    assert timeline[-1] == ("failed", said, "busy: SIP 486 Busy Here")


def test_the_driver_is_told_of_the_ring_at_the_moment_the_call_rang(service):
    call = start_call(service, PHONE, now=T0)
    run_once(now=T0)
    db.session.expire_all()
    rang = [e.at for e in db.session.get(Call, call.id).events if e.kind == "ringing"]
    shown = db.session.scalars(select(SimInboxEntry.at).where(SimInboxEntry.call_id == call.id)).all()
    assert len(rang) == 1 and shown == rang  # the virtual phone shows the call when it rang


def test_closing_cancels_each_ringing_call_by_its_id(service):
    dispatcher, [call_id] = _dispatching(service, [PHONE], utcnow())
    canceled = _cancels(dispatcher, call_id)
    dispatcher.close()
    assert canceled == [call_id] and dispatcher.inflight == {}


class _Recording:
    """The dispatcher's event queue, recording how it is read: get(timeout) waits, get_nowait doesn't."""

    def __init__(self):
        self.queue, self.waits = queue.SimpleQueue(), []

    def put(self, item):
        self.queue.put(item)

    def get(self, timeout=None):
        self.waits.append(timeout)
        return self.queue.get(timeout=timeout)

    def get_nowait(self):
        return self.queue.get_nowait()


def _void(dispatcher, count):
    """`count` events of calls in flight that the database does not hold (each applies as void)."""
    for number in range(count):
        call_id = f"gone-{number}"
        dispatcher.inflight[call_id] = None
        dispatcher.events.put(Event(call_id, "ringing", at=T0))


def test_applying_without_a_wait_never_blocks_and_counts_nothing_when_nothing_came(ctx):
    dispatcher = Dispatcher("rules", QUIET)
    dispatcher.events = _Recording()
    try:
        assert dispatcher.apply_events() == 0
        _void(dispatcher, 1)
        assert dispatcher.apply_events() == 1
        assert dispatcher.events.waits == []  # read with get_nowait only
    finally:
        dispatcher.close()


def test_applying_with_a_wait_takes_an_event_that_comes_during_it(ctx):
    dispatcher = Dispatcher("rules", QUIET)
    dispatcher.events = _Recording()
    try:
        later = threading.Timer(0.05, _void, (dispatcher, 1))
        later.start()
        assert dispatcher.apply_events(wait=30) == 1  # returns when it comes, long before 30 s
        later.join()
        assert dispatcher.events.waits == [30]
    finally:
        dispatcher.close()


def test_one_pass_takes_at_most_two_batches_of_events(ctx, monkeypatch):
    monkeypatch.setattr(dispatcher_module, "BATCH", 3)
    dispatcher = Dispatcher("rules", QUIET)
    try:
        _void(dispatcher, 10)
        assert [dispatcher.apply_events(), dispatcher.apply_events(), dispatcher.apply_events()] == [6, 4, 0]
    finally:
        dispatcher.close()


@pytest.mark.parametrize("count, warned", [(1, False), (2, True)])
def test_only_a_failed_batch_of_several_events_is_reported_before_applying_them_one_by_one(
        ctx, monkeypatch, caplog, count, warned):
    dispatcher = Dispatcher("rules", QUIET)

    def broken(_batch):
        raise RuntimeError("boom")
    monkeypatch.setattr(dispatcher, "_apply_batch", broken)
    try:
        _void(dispatcher, count)
        with caplog.at_level(logging.WARNING, logger="flashcall.dispatcher"):
            assert dispatcher.apply_events() == count
        assert ("one by one" in caplog.text) == warned
        assert dispatcher.inflight == {}  # each applied alone (void: the calls are gone)
    finally:
        dispatcher.close()


def test_finishing_waits_for_events_in_slices_of_at_most_50_ms(ctx, monkeypatch):
    """It sleeps on the queue (never spins), wakes at least every 50 ms to look at the deadline, and
    never sleeps past it. (A clock of its own: each wait on the empty queue takes exactly its timeout.)"""
    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(dispatcher_module, "time", SimpleNamespace(monotonic=lambda: clock.now))
    dispatcher = Dispatcher("rules", QUIET)
    dispatcher.events = _Recording()

    def get(timeout=None):
        dispatcher.events.waits.append(timeout)
        clock.now += timeout
        raise queue.Empty
    dispatcher.events.get = get

    def get_nowait():  # a look that does not wait: the spin it would make takes a little time too
        dispatcher.events.waits.append("no wait")
        clock.now += 0.01
        raise queue.Empty
    dispatcher.events.get_nowait = get_nowait
    dispatcher.inflight["never-ends"] = None
    try:
        assert dispatcher.finish(0.32) is False
    finally:
        dispatcher.inflight.clear()
        dispatcher.close()
    assert dispatcher.events.waits == pytest.approx([0.05] * 6 + [0.02])


@pytest.mark.parametrize("status", ["delivered", "answered"])
def test_an_end_reported_while_still_dialling_rings_first_at_the_same_moment(service, status):
    now = utcnow()
    dispatcher, [call_id] = _dispatching(service, [PHONE], now)
    try:
        said = now + timedelta(seconds=3)
        dispatcher.events.put(Event(call_id, status, None, "SIP 200 OK", said))
        assert dispatcher.apply_events() == 1
    finally:
        dispatcher.close()
    call, timeline = _timeline(call_id)
    assert (call.status, call.ringing_at) == (status, said)
    assert timeline[-2:] == [("ringing", said, None), (status, said, "SIP 200 OK")]
    shown = db.session.scalars(select(SimInboxEntry.at).where(SimInboxEntry.call_id == call_id)).all()
    assert shown == [said]  # the driver was told of the ring


def test_an_event_stamped_before_the_dial_is_recorded_at_the_dial(service):
    now = utcnow()
    dispatcher, [call_id] = _dispatching(service, [PHONE], now)
    try:
        dispatcher.events.put(Event(call_id, "ringing", at=now - timedelta(seconds=5)))  # a gateway's clock behind
        dispatcher.apply_events()
    finally:
        dispatcher.close()
    call, timeline = _timeline(call_id)
    assert call.ringing_at == call.dialed_at and timeline[-1] == ("ringing", call.dialed_at, None)


def test_an_event_of_a_call_another_dispatcher_now_drives_changes_nothing_and_is_dropped(service):
    now = utcnow()
    dispatcher, [call_id] = _dispatching(service, [PHONE], now)
    db.session.execute(update(Call).where(Call.id == call_id).values(lease_owner="someone-else"))
    db.session.commit()
    canceled = _cancels(dispatcher, call_id)
    try:
        dispatcher.events.put(Event(call_id, "ringing", at=now + timedelta(seconds=1)))
        assert dispatcher.apply_events() == 1
    finally:
        dispatcher.close()
    call, timeline = _timeline(call_id)
    assert call.status == "dialing" and [kind for kind, _at, _d in timeline] == ["queued", "dialing"]
    assert canceled[:1] == [call_id] and call_id not in dispatcher.inflight


def test_after_a_calls_end_its_later_events_are_skipped_and_the_batch_goes_on(service, caplog):
    now = utcnow()
    dispatcher, (first, second) = _dispatching(service, [PHONE, "+989121110002"], now)
    canceled = _cancels(dispatcher, first)  # the simulator drives both
    said = now + timedelta(seconds=2)
    try:
        with caplog.at_level(logging.DEBUG, logger="flashcall.dispatcher"):
            dispatcher.events.put(Event(second, "ringing", at=said))
            dispatcher.events.put(Event(first, "failed", "busy", at=said))
            dispatcher.events.put(Event(first, "delivered", at=said))  # after its end: skipped
            dispatcher.events.put(Event(second, "delivered", at=said))
            assert dispatcher.apply_events() == 4
    finally:
        dispatcher.close()
    assert [kind for kind, _at, _d in _timeline(first)[1]] == ["queued", "dialing", "failed"]
    assert [kind for kind, _at, _d in _timeline(second)[1]] == ["queued", "dialing", "ringing", "delivered"]
    assert canceled == []  # both ended on their own: nothing to hang up
    assert f"call {second} ringing" in caplog.text  # each applied step is logged (DEBUG), not only ends


def test_a_call_whose_event_cannot_be_applied_is_let_go_and_hung_up(service, monkeypatch):
    """A broken event (its batch failed, then it alone): the call ends failed (internal_error), leaves
    the dispatcher's hands, and the driver hangs it up."""
    now = utcnow()
    dispatcher, [call_id] = _dispatching(service, [PHONE], now)
    canceled = _cancels(dispatcher, call_id)

    def broken(*_args):
        raise RuntimeError("boom")
    monkeypatch.setattr(dispatcher, "_apply_batch", broken)
    monkeypatch.setattr(dispatcher, "_apply", broken)
    try:
        dispatcher.events.put(Event(call_id, "ringing", at=now + timedelta(seconds=1)))
        assert dispatcher.apply_events() == 1
        assert call_id not in dispatcher.inflight and canceled == [call_id]
    finally:
        dispatcher.close()
    call, _timeline_ = _timeline(call_id)
    assert (call.status, call.failure_reason) == ("failed", "internal_error")
