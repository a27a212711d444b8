"""memory:// rate-limit storage survives many request threads at once (no 'started twice' error)."""
import sys
import threading
import time

from limits.storage import storage_from_string

from flashcall.http.rate_limit_storage import LockedMemoryStorage


def test_memory_scheme_uses_the_locked_storage():
    assert isinstance(storage_from_string("memory://"), LockedMemoryStorage)


def _hammer(storage, threads=16, rounds=300):
    errors, barrier = [], threading.Barrier(threads)

    def work():
        barrier.wait()
        for _ in range(rounds):
            try:
                storage.incr("key", expiry=60)
            except Exception as exc:  # limits 5.8.0 raised RuntimeError here
                errors.append(exc)
            time.sleep(0.0005)  # let the expiry timer die, so threads race to restart it
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def test_concurrent_increments_never_fail():
    # Switching threads very often widens the check-then-start window; unpatched, about half
    # of these rounds raised "threads can only be started once".
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(6):
            storage = storage_from_string("memory://")
            assert _hammer(storage) == []
            # limits' own unlocked get() may drop a count at a key's first increment; rate
            # limits are a ceiling, not a ledger, so only failures matter here.
            assert storage.get("key") > 16 * 300 * 0.9
    finally:
        sys.setswitchinterval(interval)
