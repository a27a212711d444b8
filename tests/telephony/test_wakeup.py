"""On PostgreSQL, queuing a call wakes the dispatchers at commit (LISTEN/NOTIFY); a refused call doesn't."""
import threading
import time

import pytest

from flashcall.db import db
from flashcall.telephony.wakeup import Wakeup
from flashcall.verification import VerificationError, start_call
from tests.waiting import eventually


@pytest.fixture
def wake(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite dispatchers poll (DISPATCH_POLL_SECONDS)")
    stop = threading.Event()
    wakeup = Wakeup(db.engine, stop)
    eventually(lambda: wakeup.listening, timeout=30, message="the dispatcher listening")
    wakeup.wait(0.5, 0.5)  # swallow the wake-up sent when it started listening
    yield wakeup
    stop.set()


def _woken(wakeup, within):
    """Did the wait end before its timeout (a notification), rather than by running out?"""
    start = time.monotonic()
    wakeup.wait(within, within)
    return time.monotonic() - start < within * 0.9


def test_a_queued_call_wakes_the_dispatcher_at_once(app, make, wake):
    service = make.service()
    start_call(service, "09121234567")
    assert _woken(wake, 30.0)  # a wait of 30 s that ends early: woken, however loaded the machine


def test_a_refused_call_sends_no_wake_up(app, make, wake):
    service = make.service()
    start_call(service, "09121234567")
    wake.wait(1.0, 1.0)
    with pytest.raises(VerificationError):
        start_call(service, "09121234567")  # interval_limit: rolled back, so no notification
    assert not _woken(wake, 1.0)


def test_gathering_waits_only_while_a_burst_is_arriving(app):
    """One call after a quiet spell is claimed at once; several queued together wait `gather` for more."""
    stop, gathered = threading.Event(), []
    with app.app_context():
        wakeup = Wakeup(db.engine, stop, gather=0.03)
    wakeup.listening = True  # as if LISTEN were up (on SQLite nothing listens)
    stop.wait = gathered.append
    wakeup._notified()
    wakeup.wait(1.0, 1.0)
    assert gathered == []
    for _ in range(3):
        wakeup._notified()
    wakeup.wait(1.0, 1.0)
    assert gathered == [0.03]
