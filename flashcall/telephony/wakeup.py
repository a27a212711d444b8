"""Waking dispatchers the moment a call is queued: PostgreSQL LISTEN/NOTIFY; on SQLite they poll.

The engine sends the notification inside the transaction that queues the call (see
verification.limits.lock_number), so PostgreSQL delivers it only if that transaction commits.
"""
import logging
import threading

import psycopg
from sqlalchemy import func

log = logging.getLogger("flashcall.dispatcher")
CHANNEL = "flashcall_dispatch"
FALLBACK_POLL_SECONDS = 1.0  # while listening, a slow poll only as a safety net


def notification():
    """A SQL expression that notifies the dispatchers when its transaction commits."""
    return func.pg_notify(CHANNEL, "")


class Wakeup:
    """An event the dispatcher's loop waits on; a listener thread sets it on each notification."""

    def __init__(self, engine, stop, gather=0.0):
        # While a burst is arriving (more than one call queued since the last claim), calls queued
        # within `gather` seconds of a wake-up join the same claim: one transaction per batch instead
        # of one per call. A call after a quiet spell is claimed at once.
        self._gather = gather
        self._notices = 0  # notifications since the last wait; written by the listener thread only
        self._seen = 0
        self._event = threading.Event()
        self._queued = False  # woken by a queued call (gather), not only by a driver's event (don't)
        self._stop = stop
        self.listening = False
        if engine.dialect.name == "postgresql":
            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            threading.Thread(target=self._listen, args=(url,), daemon=True, name="listen").start()

    def poke(self):
        """Wake the loop now (a driver reported an event); safe from any thread. No gathering:
        the events are applied at once, and a claim is not delayed behind them."""
        self._event.set()

    def _notified(self):
        self._notices += 1
        self._queued = True
        self._event.set()

    def wait(self, timeout, poll):
        """Sleep until notified (or poked), or `timeout`; poll at `poll` while not listening."""
        limit = timeout if self.listening else min(timeout, poll)
        if self._event.wait(limit) and self._queued and self.listening and self._gather and self._burst():
            self._stop.wait(self._gather)
            # The calls queued while gathering join this claim: they say nothing of the next one.
            # (Counted, any rate above one call per gather window would keep every claim waiting.)
            self._seen = self._notices
        self._queued = False
        self._event.clear()  # cleared before the claim that follows reads the table: nothing is lost

    def _burst(self):
        """More than one call queued since the last look (while the dispatcher was busy, not while it
        gathered): more are likely on their way."""
        notices, self._seen = self._notices - self._seen, self._notices
        return notices > 1

    def _listen(self, url):
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    self._notified()  # claim what was queued before we listened
                    while not self._stop.is_set():
                        for _notice in conn.notifies(timeout=1.0):
                            self._notified()
            except psycopg.Error:
                log.warning("dispatcher: LISTEN connection lost; polling until it is back", exc_info=True)
            self.listening = False
            self._stop.wait(1.0)
