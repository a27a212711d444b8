"""The durable dispatcher: claims queued calls under a lease, hands them to their gateway's driver,
and applies the events drivers report through the engine's state machine.

Only this thread touches the database; drivers report from their own threads into a queue, and
the dispatcher never waits on the network. While it drives a call it renews the call's lease;
a call it lost (canceled by the client, recovered by another dispatcher) is canceled at the driver.
One call whose event cannot be applied ends failed(internal_error) and the others go on."""
import logging
import os
import queue
import socket
import time
from datetime import timedelta

from sqlalchemy import DateTime, Integer, String, bindparam, case, or_, select, update

from ..db import commit_or_rollback, db, on_postgresql
from ..models import Call
from ..settings import Settings
from ..telephony.events import Dial, Event
from ..telephony.fleet import Fleet
from ..verification import rows
from ..verification.lifecycle import can_transition, transition

log = logging.getLogger("flashcall.dispatcher")
BATCH = 200
DRIVEN = ("dialing", "ringing")  # the states in which a dispatcher holds a call
FINAL_EVENTS = ("delivered", "answered", "failed")
INTERNAL_ERROR = "internal_error"


def default_worker_id():
    return f"{socket.gethostname()}:{os.getpid()}"


def locking(stmt):
    """Rows other dispatchers hold are skipped on PostgreSQL; SQLite serialises writers anyway."""
    return stmt.with_for_update(skip_locked=True) if on_postgresql() else stmt


def log_step(call_id, status, reason):
    """Failures at INFO; the progress of every call only with --verbose (DEBUG)."""
    log.log(logging.INFO if status == "failed" else logging.DEBUG,
            "call %s %s%s", call_id, status, f" ({reason})" if reason else "")


def clear_lease(call):
    call.lease_owner = None
    call.lease_expires_at = None


CALLS, EVENTS = rows.CALLS, rows.EVENTS


def _claiming(skip_locked):  # pragma: no mutate block
    # Built once per dialect, at import (building it per claim cost more than running it); mutation
    # testing switches mutants on per test, long after import, so it leaves this builder out.
    now = bindparam("now", type_=DateTime)
    chosen = select(CALLS.c.id).where(
        CALLS.c.status == "queued", CALLS.c.expires_at > now,
        or_(CALLS.c.lease_expires_at.is_(None), CALLS.c.lease_expires_at < now)
    ).order_by(CALLS.c.created_at).limit(bindparam("limit", type_=Integer))
    if skip_locked:
        chosen = chosen.with_for_update(skip_locked=True)
    dialed_at = case((CALLS.c.created_at > now, CALLS.c.created_at), else_=now)
    return (CALLS.update().where(CALLS.c.id.in_(chosen.scalar_subquery()))
            .values(status="dialing", dialed_at=dialed_at, lease_owner=bindparam("worker_id", type_=String),
                    lease_expires_at=bindparam("lease_until", type_=DateTime))
            .returning(CALLS.c.id, CALLS.c.phone, CALLS.c.caller_number, CALLS.c.gateway_id, CALLS.c.dialed_at,
                       CALLS.c.created_at))


# UPDATE the oldest claimable queued calls (at most `limit`; on PostgreSQL rows another dispatcher holds
# are skipped, SQLite serialises writers anyway) to dialing under this worker's lease, RETURNING what
# dialling needs. A call committed after `now` was read is stamped at its own creation, never before it.
CLAIMING = {"postgresql": _claiming(skip_locked=True), "sqlite": _claiming(skip_locked=False)}


def _transition(call, driver, event, at, moves):
    transition(call, event.status, at, event.reason, flush=False, detail=event.detail)
    if driver is not None:
        moves.append((driver, call, event._replace(at=at)))


def _write(calls, moves):
    """A batch's rows and their events; then each driver is told of its calls' moves, at once."""
    rows.write(calls.values())
    by_driver = {}
    for driver, call, event in moves:
        by_driver.setdefault(driver, []).append((call, event))
    for driver, pairs in by_driver.items():
        driver.applied(pairs)


def _chunks(items, size=500):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Dispatcher:
    """One worker's state: its running drivers, the calls it drives, the events waiting to be applied."""

    def __init__(self, worker_id=None, settings=None, poke=None):
        self.settings = settings or Settings()
        self.worker_id = worker_id or default_worker_id()
        self.lease = timedelta(seconds=self.settings.dispatch_lease_seconds)
        self.events = queue.SimpleQueue()  # filled by the drivers' threads
        self.inflight = {}  # call id -> the driver placing it
        self._poke = poke or (lambda: None)
        self.fleet = Fleet(self.settings, self.report)

    def report(self, event):
        """Called by drivers from any thread."""
        self.events.put(event.stamped())
        self._poke()

    @property
    def pending(self):
        return len(self.inflight)

    def close(self):
        """Cancel what is still ringing and stop the drivers (their calls' leases run out and are recovered)."""
        for call_id, driver in list(self.inflight.items()):
            driver.cancel(call_id)
        self.inflight.clear()
        self.fleet.stop()

    # -- claiming and dialling -------------------------------------------------------------
    def claim(self, now, limit=BATCH):
        """Claim queued calls and mark them dialling (one commit), then hand them to their drivers.
        Set-based: one UPDATE … RETURNING moves the batch, one INSERT writes its events."""
        def work():
            claiming = CLAIMING["postgresql" if on_postgresql() else "sqlite"]
            claimed = db.session.execute(claiming, {"now": now, "lease_until": now + self.lease,
                                                    "worker_id": self.worker_id, "limit": limit}).all()
            claimed.sort(key=lambda row: row.created_at)  # the oldest call is dialled first
            if claimed:
                db.session.execute(EVENTS.insert(), [
                    {"call_id": row.id, "kind": "dialing", "at": row.dialed_at, "detail": None} for row in claimed])
            drivers = {}
            return [(self._driver(drivers, row.gateway_id), Dial(row.id, row.phone, row.caller_number, row.dialed_at))
                    for row in claimed]
        placed = commit_or_rollback(work)  # nothing is read after the commit: no transaction stays open
        for driver, request in placed:
            log.debug("call %s dialing", request.call_id)
            self._dial(driver, request)
        return len(placed)

    def _driver(self, drivers, gateway_id):
        """The gateway's running driver (its row read once per claim), or the error that prevents it."""
        if gateway_id not in drivers:
            try:
                drivers[gateway_id] = self.fleet.driver(gateway_id)
            except Exception as error:  # a broken gateway fails its calls; they never stay in dialing
                log.exception("gateway %s: no driver", gateway_id)
                drivers[gateway_id] = error
        return drivers[gateway_id]

    def _dial(self, driver, request):
        if isinstance(driver, Exception):
            self.inflight[request.call_id] = None
            self.report(Event(request.call_id, "failed", "gateway_error", str(driver)[:200]))
            return
        self.inflight[request.call_id] = driver
        try:
            driver.dial(request)
        except Exception as error:
            log.exception("call %s: the driver could not start it", request.call_id)
            self.report(Event(request.call_id, "failed", "gateway_error", str(error)[:200]))

    # -- applying what drivers report ------------------------------------------------------
    def apply_events(self, wait=0.0):
        """Apply the events reported so far (waiting up to `wait` s for the first). Returns how many.

        They are applied in one transaction; if that fails, one by one, and a call whose own event
        cannot be applied ends failed(internal_error) while the others go on."""
        batch = self._take(wait)
        if not batch:
            return 0
        try:
            outcomes = commit_or_rollback(lambda: self._apply_batch(batch))
        except Exception:
            if len(batch) > 1:
                log.warning("applying %d events in one transaction failed; applying them one by one",
                            len(batch), exc_info=True)
            outcomes = [self._apply_alone(event) for event in batch]
        for event, outcome in outcomes:
            self._settle(event, outcome)
        return len(batch)

    def _take(self, wait):
        batch = []
        try:
            batch.append(self.events.get(timeout=wait) if wait else self.events.get_nowait())
            while len(batch) < BATCH * 2:
                batch.append(self.events.get_nowait())
        except queue.Empty:
            pass
        return [event for event in batch if event.call_id in self.inflight]  # others: calls already settled

    def _apply_batch(self, batch):
        calls = rows.locked({event.call_id for event in batch})
        outcomes, settled, moves = [], set(), []
        for event in batch:
            if event.call_id in settled:
                continue
            outcome = self._apply(calls.get(event.call_id), event, moves)
            if outcome != "applied":
                settled.add(event.call_id)
            outcomes.append((event, outcome))
        _write(calls, moves)
        return outcomes

    def _apply_alone(self, event):
        def work():
            calls, moves = rows.locked({event.call_id}), []
            outcome = self._apply(calls.get(event.call_id), event, moves)
            _write(calls, moves)
            return outcome
        try:
            return event, commit_or_rollback(work)
        except Exception:
            log.exception("call %s: its %s event could not be applied", event.call_id, event.status)
            self._fail_internal(event.call_id, event.at)
            return event, "broken"

    def _apply(self, call, event, moves):
        """Apply one event to the locked call (a CallRow): 'applied', 'ended' (final), 'void' (the
        call is not ours any more) or 'ignored' (nothing to change); what changed joins `moves`
        for the call's driver. Does not commit."""
        if call is None or call.lease_owner != self.worker_id or call.status not in DRIVEN:
            return "void"  # canceled, expired or recovered meanwhile
        driver = self.inflight.get(call.id)
        at = max(event.at, call.dialed_at) if call.dialed_at else event.at
        if event.status in ("delivered", "answered") and call.status == "dialing":
            _transition(call, driver, event._replace(status="ringing", reason=None, detail=None), at, moves)
        if not can_transition(call, event.status):
            return "ignored"  # e.g. a second provisional answer
        _transition(call, driver, event, at, moves)
        if event.status in FINAL_EVENTS:
            clear_lease(call)
            return "ended"
        return "applied"

    def _settle(self, event, outcome):
        if outcome in ("applied", "ended"):
            log_step(event.call_id, event.status, event.reason)
        if outcome in ("ended", "void", "broken"):
            driver = self.inflight.pop(event.call_id, None)
            if outcome != "ended" and driver is not None:
                driver.cancel(event.call_id)

    def _fail_internal(self, call_id, at):
        """The defined end of a call the dispatcher could not move: failed(internal_error), through
        the engine (so whatever it holds, such as reserved credit, is released). Never raises."""
        def work():
            call = rows.locked({call_id}).get(call_id)
            if call is not None and call.lease_owner == self.worker_id and can_transition(call, "failed"):
                transition(call, "failed", max(at, call.dialed_at or at), INTERNAL_ERROR, flush=False)
                clear_lease(call)
                rows.write([call])
        try:
            commit_or_rollback(work)
            log.error("call %s failed (%s)", call_id, INTERNAL_ERROR)
        except Exception:
            log.exception("call %s: could not be failed either; its lease will run out and be recovered", call_id)

    # -- leases ----------------------------------------------------------------------------
    def renew(self, now):
        """Extend the leases of the calls being driven; cancel at the driver those no longer ours."""
        ids = list(self.inflight)
        if not ids:
            return 0

        def work():
            kept = set()
            for chunk in _chunks(ids):
                kept.update(db.session.execute(
                    update(Call).where(Call.id.in_(chunk), Call.lease_owner == self.worker_id,
                                       Call.status.in_(DRIVEN))
                    .values(lease_expires_at=now + self.lease).returning(Call.id)
                    .execution_options(synchronize_session=False)).scalars())
            return kept
        kept = commit_or_rollback(work)
        for call_id in ids:
            if call_id not in kept and call_id in self.inflight:
                log.info("call %s is no longer ours (canceled or recovered); hanging up", call_id)
                driver = self.inflight.pop(call_id)
                if driver is not None:
                    driver.cancel(call_id)
        return len(kept)

    # -- gateways --------------------------------------------------------------------------
    def watch_gateways(self, now):
        """Drivers for every active gateway, and their health written where operators see it."""
        self.fleet.sync(busy=[d for d in self.inflight.values() if d is not None])
        commit_or_rollback(lambda: self.fleet.record_health(now))

    def finish(self, limit_seconds):
        """Apply events until no call is in flight or `limit_seconds` passed; True if all ended."""
        deadline = time.monotonic() + limit_seconds
        while self.inflight and time.monotonic() < deadline:
            self.apply_events(wait=min(0.05, max(0.0, deadline - time.monotonic())))
        return not self.inflight
