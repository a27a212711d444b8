"""Collecting what a driver reports, with deadlines."""
import threading
import time

from flashcall.clock import utcnow
from flashcall.telephony.events import Dial


class Reports:
    """A driver's `report` callback that keeps the events and lets a test wait for them."""

    def __init__(self):
        self.events = []
        self._changed = threading.Condition()

    def __call__(self, event):
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def of(self, call_id):
        return [e for e in self.events if e.call_id == call_id]

    def final(self, call_id, timeout=20):
        """The call's final event (delivered, answered or failed), waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                done = [e for e in self.of(call_id) if e.status != "ringing"]
                if done:
                    return done[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"call {call_id} never ended; events: {self.of(call_id)}")
                self._changed.wait(left)


def dial(call_id, phone="+989121234567", caller="+982191001234"):
    return Dial(call_id, phone, caller, utcnow())
