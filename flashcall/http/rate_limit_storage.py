"""Flask-Limiter's in-memory storage, made safe for threaded web workers.

limits 5.8.0 checks and restarts its expiry timer without a lock, so two request threads can
start the same Timer twice ("threads can only be started once") and the request answers 500
(fixed upstream in alisaifee/limits#352, not yet released). Declaring the "memory" scheme again
makes `memory://` use this class. Reads expire keys themselves, so the sweep runs once a second
instead of starting a thread for nearly every request.
"""
import threading

from limits.storage import MemoryStorage

SWEEP_SECONDS = 1.0


class LockedMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = ["memory"]

    def __init__(self, *args, **kwargs):
        self._timer_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _MemoryStorage__schedule_expiry(self):  # replaces the parent's private, unlocked version
        with self._timer_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(SWEEP_SECONDS, self._MemoryStorage__expire_events)
                self.timer.daemon = True
                self.timer.start()
