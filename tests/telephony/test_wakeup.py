"""On PostgreSQL, queuing a call wakes the dispatchers at commit (LISTEN/NOTIFY); a refused call doesn't."""
import queue
import threading
import time
from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.dialects import postgresql

from flashcall.db import db
from flashcall.telephony.wakeup import Wakeup, notification
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


def test_gathering_waits_only_while_a_burst_is_arriving():
    """One call after a quiet spell is claimed at once; several queued together wait `gather` for more."""
    stop, gathered = threading.Event(), []
    # An SQLite engine: no listener thread (on PostgreSQL one would start, and with stop.wait
    # replaced below it would never stop; once its database is gone it would retry without a pause).
    wakeup = Wakeup(create_engine("sqlite://"), stop, gather=0.03)
    wakeup.listening = True  # as if LISTEN were up
    stop.wait = gathered.append
    wakeup._notified()
    wakeup.wait(1.0, 1.0)
    assert gathered == []
    for _ in range(3):
        wakeup._notified()
    wakeup.wait(1.0, 1.0)
    assert gathered == [0.03]


class _Limits(threading.Event):
    """An event that records how long each wait would sleep (and doesn't sleep)."""

    def __init__(self):
        super().__init__()
        self.limits = []

    def wait(self, timeout=None):
        self.limits.append(timeout)
        return self.is_set()


def _sqlite_wakeup(**kwargs):
    stop = threading.Event()
    return Wakeup(create_engine("sqlite://"), stop, **kwargs), stop


def test_on_sqlite_nothing_listens_and_the_loop_sleeps_only_the_poll_interval():
    before = set(threading.enumerate())
    wakeup, stop = _sqlite_wakeup()
    try:
        assert wakeup.listening is False
        assert [t.name for t in threading.enumerate() if t not in before] == []
        wakeup._event = _Limits()
        wakeup.wait(30.0, 0.25)
        wakeup.wait(0.1, 0.25)
        assert wakeup._event.limits == [0.25, 0.1]
    finally:
        stop.set()


def test_while_listening_the_loop_sleeps_the_whole_timeout():
    wakeup, _stop = _sqlite_wakeup()
    wakeup.listening = True  # as if LISTEN were up
    wakeup._event = _Limits()
    wakeup.wait(30.0, 0.25)
    assert wakeup._event.limits == [30.0]


def _gathering(gather=0.03):
    wakeup, stop = _sqlite_wakeup(**({"gather": gather} if gather is not None else {}))
    gathered = []
    wakeup.listening = True  # as if LISTEN were up
    stop.wait = gathered.append
    return wakeup, gathered


def test_without_a_gather_time_a_burst_is_claimed_at_once():
    wakeup, gathered = _gathering(gather=None)
    for _ in range(3):
        wakeup._notified()
    wakeup.wait(1.0, 1.0)
    assert gathered == []


def test_two_calls_queued_together_are_a_burst_and_one_after_it_is_not():
    wakeup, gathered = _gathering()
    wakeup._notified()
    wakeup._notified()
    wakeup.wait(1.0, 1.0)
    assert gathered == [0.03]
    wakeup._notified()
    wakeup.wait(1.0, 1.0)
    assert gathered == [0.03]


def test_calls_queued_while_gathering_join_that_claim_and_do_not_make_the_next_one_wait():
    """At a steady rate above one call per gather window (50 calls/s against 30 ms), the calls that
    arrive during a gather are claimed with it; counted toward the next look they would keep every
    claim waiting, and each call's dial 30 ms late."""
    wakeup, gathered = _gathering()

    def gather_while_one_more_arrives(seconds):
        gathered.append(seconds)
        wakeup._notified()  # queued during the gather

    wakeup._stop.wait = gather_while_one_more_arrives
    wakeup._notified()
    wakeup._notified()
    wakeup.wait(1.0, 1.0)  # a burst: gathers, and one more call arrives meanwhile
    assert gathered == [0.03]
    wakeup._notified()  # the next call, alone
    wakeup.wait(1.0, 1.0)
    assert gathered == [0.03]  # claimed at once


def test_a_drivers_poke_is_not_gathered_after_calls_seen_while_polling():
    """Calls queued while LISTEN was down were claimed by the poll; once it is back, a driver's
    poke wakes the loop without the gather delay."""
    wakeup, gathered = _gathering()
    wakeup.listening = False
    wakeup._notified()
    wakeup._notified()
    wakeup.wait(1.0, 1.0)
    wakeup.listening = True
    wakeup.poke()
    wakeup.wait(1.0, 1.0)
    assert gathered == []


def test_the_notification_is_pg_notify_on_the_dispatchers_channel():
    sql = notification().compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    assert str(sql) == "pg_notify('flashcall_dispatch', '')"


class _FakePostgres:
    """psycopg.connect as the listener uses it: each connection records its statements, and
    `notifies(timeout)` yields the notices put in `pending`, waiting up to `timeout` for one.
    The first `failures` connections are refused."""

    def __init__(self, failures=0):
        self.failures, self.connects, self.executed = failures, [], []
        self.pending = queue.Queue()

    def connect(self, url, **kwargs):
        self.connects.append((url, kwargs))
        if len(self.connects) <= self.failures:
            raise psycopg.OperationalError("connection refused")
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        self.executed.append(sql)

    def notifies(self, timeout):
        try:
            yield self.pending.get(timeout=timeout)
        except queue.Empty:
            return


_PG_URL = "postgresql+psycopg://flashcall:s3cret@db.example:5432/flashcall"


def _pg_wakeup(monkeypatch, fake):
    """A Wakeup over a PostgreSQL engine's URL, its listener talking to `fake` instead of a server."""
    monkeypatch.setattr(psycopg, "connect", fake.connect)
    stop = threading.Event()
    engine = SimpleNamespace(dialect=SimpleNamespace(name="postgresql"), url=make_url(_PG_URL))
    return Wakeup(engine, stop), stop


def test_the_listener_connects_with_the_whole_url_listens_and_wakes_the_loop_per_notice(monkeypatch):
    fake = _FakePostgres()
    wakeup, stop = _pg_wakeup(monkeypatch, fake)
    try:
        eventually(lambda: wakeup.listening, timeout=30, message="listening")
        assert fake.connects == [("postgresql://flashcall:s3cret@db.example:5432/flashcall", {"autocommit": True})]
        assert fake.executed == ["LISTEN flashcall_dispatch"]
        listeners = [t.daemon for t in threading.enumerate() if t.name == "listen"]
        assert listeners and all(listeners)  # a daemon: it never keeps a stopping worker alive
        wakeup._event = _Limits()
        wakeup._event.set()  # the wake-up sent when it started listening (for what was queued before)
        wakeup.wait(30.0, 0.25)
        assert wakeup._event.limits == [30.0] and not wakeup._event.is_set()
        fake.pending.put("flashcall_dispatch")
        eventually(wakeup._event.is_set, timeout=30, message="woken by the notice")
    finally:
        stop.set()
    eventually(lambda: not wakeup.listening, timeout=30, message="the listener stopped")


def test_a_lost_listen_connection_is_logged_and_made_again(monkeypatch, caplog):
    fake = _FakePostgres(failures=1)
    wakeup, stop = _pg_wakeup(monkeypatch, fake)
    try:
        eventually(lambda: wakeup.listening, timeout=30, message="listening on the second connection")
        assert len(fake.connects) == 2 and fake.executed == ["LISTEN flashcall_dispatch"]
        assert "dispatcher: LISTEN connection lost; polling until it is back" in caplog.text
    finally:
        stop.set()
