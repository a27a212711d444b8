"""Waiting in tests: poll a condition until it holds or its deadline passes, then fail saying what was awaited.

Every wait in the suite goes through `eventually` (tests/test_waits.py checks that no test file has a
loop of its own): a condition that never comes true fails the test instead of hanging it. Deadlines
are generous, sized for a loaded 2-core CI machine: they bound a hang, they never measure speed.
"""
import time


def eventually(condition, *, timeout, interval=0.05, ignoring=(), message=None):
    """The first truthy value `condition()` returns, polled every `interval` seconds.

    Raises AssertionError once `timeout` seconds have passed without one. Exceptions of the types in
    `ignoring` (e.g. a connection refused while a server starts) count as "not yet"; any other
    propagates at once. `message` (text, or a callable giving it) says what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
        except ignoring:
            result = None
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"not within {timeout} s: {text or _name(condition)}")
        time.sleep(interval)


def _name(condition):
    return getattr(condition, "__qualname__", None) or repr(condition)
