"""The durable dispatcher: claims queued calls under a lease, drives them through the gateway,
recovers calls whose dispatcher died, expires old codes and sends due webhooks."""
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from ..clock import utcnow
from ..extensions import db, on_postgresql
from ..transactions import commit_or_rollback
from ..models import Call, Gateway
from ..verification.calls import expire_if_due
from ..verification.lifecycle import can_transition, transition
from ..webhooks import sender
from .gateways import driver_for
from .wakeup import FALLBACK_POLL_SECONDS, Wakeup

log = logging.getLogger("flashcall.dispatcher")
MAINTENANCE_SECONDS = 1.0
BATCH = 200


def default_worker_id():
    return f"{socket.gethostname()}:{os.getpid()}"


def _locking(stmt):
    """Rows other dispatchers hold are skipped on PostgreSQL; SQLite serialises writers anyway."""
    return stmt.with_for_update(skip_locked=True) if on_postgresql() else stmt



def _log_step(call_id, status, reason):
    """Failures at INFO; the progress of every call only with --verbose (DEBUG)."""
    log.log(logging.INFO if status == "failed" else logging.DEBUG,
            "call %s %s%s", call_id, status, f" ({reason})" if reason else "")


def _clear_lease(call):
    call.lease_owner = None
    call.lease_expires_at = None


class Dispatcher:
    """One worker's state: the steps it promised to apply for the calls it claimed."""

    def __init__(self, worker_id=None, lease_seconds=None):
        self.worker_id = worker_id or default_worker_id()
        self.lease = timedelta(seconds=lease_seconds or current_app.config["DISPATCH_LEASE_SECONDS"])
        self._steps = []  # heap of (due, seq, call_id, step)
        self._seq = itertools.count()
        self._drivers = None  # gateway id -> driver, during a batch's transaction

    @property
    def pending(self):
        return len({item[2] for item in self._steps})

    def next_due(self):
        return self._steps[0][0] if self._steps else None

    # -- claiming and dialling -------------------------------------------------------------
    def claim(self, now, limit=BATCH):
        """Claim queued calls, mark them dialling and plan them with their gateway. One commit."""
        def work():
            stmt = _locking(select(Call).where(
                Call.status == "queued", Call.expires_at > now,
                or_(Call.lease_expires_at.is_(None), Call.lease_expires_at < now))
                .order_by(Call.created_at).limit(limit))
            placed = []
            for call in db.session.scalars(stmt).all():
                call.lease_owner = self.worker_id
                call.lease_expires_at = now + self.lease
                # A call committed after `now` was read is stamped at its own creation, never before it.
                transition(call, "dialing", max(now, call.created_at), flush=False)  # one flush, at commit
                placed.append((call.id, call.gateway_id, self._plan(call)))
                log.debug("call %s dialing", call.id)
            return placed
        placed = self._batched(work)  # nothing is read after the commit: no transaction stays open
        for call_id, gateway_id, plan in placed:
            for after, status, reason in plan:
                due = now + timedelta(seconds=after)
                heapq.heappush(self._steps, (due, next(self._seq), call_id, (status, reason, gateway_id)))
        return len(placed)

    def _driver(self, gateway_id):
        """A fresh driver for each transaction, so operators' changes to the gateway apply at once
        (one per gateway within a batch's transaction: its row is read once there)."""
        drivers = self._drivers if self._drivers is not None else {}
        if gateway_id not in drivers:
            drivers[gateway_id] = driver_for(db.session.get(Gateway, gateway_id) if gateway_id else None)
        return drivers[gateway_id]

    def _batched(self, work):
        """work() in one transaction, reading each gateway (driver) once."""
        def batch():
            self._drivers = {}
            try:
                return work()
            finally:
                self._drivers = None
        return commit_or_rollback(batch)

    def _plan(self, call):
        try:
            return self._driver(call.gateway_id).place(call)
        except Exception:  # a broken gateway fails the call; it never stays stuck in dialing
            log.exception("call %s: gateway error", call.id)
            return [(0, "failed", "gateway_error")]

    # -- applying the gateway's steps ------------------------------------------------------
    def apply_due(self, now, everything=False):
        """Apply every step due by `now` (or all of them, for run_once). Returns how many.

        The due steps are applied in one transaction, in due order, with the same checks as
        one by one (_apply); if that transaction fails they are applied one by one."""
        batch = []
        while self._steps and (everything or self._steps[0][0] <= now):
            due, seq, call_id, step = heapq.heappop(self._steps)
            batch.append((due, seq, call_id, step, max(due, now) if not everything else due))
        if not batch:
            return 0
        if len(batch) == 1:
            return self._apply_one_by_one(batch)
        try:
            results = self._batched(lambda: self._apply_batch(batch))
        except Exception:
            log.exception("applying %d steps in one transaction failed; applying them one by one", len(batch))
            return self._apply_one_by_one(batch)
        done = 0
        for call_id, (status, reason, _gateway_id), applied in results:
            done += 1
            if applied:
                _log_step(call_id, status, reason)
            else:
                self._drop(call_id)
        return done

    def _apply_one_by_one(self, batch):
        done, void = 0, set()
        for index, (_due, _seq, call_id, step, at) in enumerate(batch):
            if call_id in void:
                continue  # dropped with its call's plan
            try:
                applied = self._apply(call_id, step, at)
            except BaseException:
                for item in batch[index + 1:]:  # not attempted: they stay planned
                    if item[2] not in void:
                        heapq.heappush(self._steps, item[:4])
                raise
            if not applied:
                self._drop(call_id)
                void.add(call_id)
            done += 1
        return done

    def _apply_batch(self, batch):
        """[(call_id, step, applied)] for the batch's steps, skipping those of calls whose plan became void."""
        ids = sorted({item[2] for item in batch})
        calls = {call.id: call for call in db.session.scalars(
            select(Call).where(Call.id.in_(ids)).order_by(Call.id).with_for_update()
            .execution_options(populate_existing=True))}
        results, void = [], set()
        for _due, _seq, call_id, step, at in batch:
            if call_id in void:
                continue
            applied = self._step(calls.get(call_id), step, at, flush=False)
            if not applied:
                void.add(call_id)
            results.append((call_id, step, applied))
        return results

    def _drop(self, call_id):
        self._steps = [item for item in self._steps if item[2] != call_id]
        heapq.heapify(self._steps)

    def _apply(self, call_id, step, at):
        status, reason, gateway_id = step

        def work():
            call = db.session.scalar(select(Call).where(Call.id == call_id).with_for_update()
                                     .execution_options(populate_existing=True))
            return self._step(call, step, at)
        applied = commit_or_rollback(work)
        if applied:
            _log_step(call_id, status, reason)
        return applied

    def _step(self, call, step, at, flush=True):
        """Apply one step to the locked call; False when its plan is void. Does not commit."""
        status, reason, gateway_id = step
        if call is None or call.lease_owner != self.worker_id or not can_transition(call, status):
            return False  # canceled, expired or recovered meanwhile: our plan is void
        if status == "ringing":
            self._driver(gateway_id).on_ringing(call, at)
        transition(call, status, at, reason, flush=flush)
        if status != "ringing":
            _clear_lease(call)
        return True

    # -- recovery and expiry ---------------------------------------------------------------
    def maintain(self, now):
        """Recover calls whose dispatcher's lease ran out, and expire calls past their lifetime."""
        return recover_expired_leases(now) + expire_due(now)


def recover_expired_leases(now):
    """dialing → failed(interrupted) (it may or may not have rung: never dial twice);
    ringing → delivered (it did ring). Queued calls are simply claimed again."""
    def work():
        calls = db.session.scalars(_locking(select(Call).where(
            Call.status.in_(("dialing", "ringing")), Call.lease_expires_at < now).limit(BATCH))).all()
        for call in calls:
            if call.status == "dialing":
                transition(call, "failed", now, "interrupted")
            else:
                transition(call, "delivered", now)
            _clear_lease(call)
            log.warning("call %s recovered from an expired lease: %s", call.id, call.status)
        return len(calls)
    return commit_or_rollback(work)


def expire_due(now):
    """Codes past their lifetime expire; calls never dialled in their lifetime fail (timeout)."""
    def work():
        calls = db.session.scalars(_locking(select(Call).where(
            Call.status.in_(("queued", "ringing", "delivered", "answered")),
            Call.expires_at <= now).limit(BATCH))).all()
        for call in calls:
            expire_if_due(call, now)  # the engine's rule: live codes expire, undialled calls time out
            _clear_lease(call)
            _log_step(call.id, call.status, call.failure_reason)
        return len(calls)
    return commit_or_rollback(work)


def deliver_webhooks():
    return sender.deliver_due()


def run_once(app=None, now=None, worker_id="run-once"):
    """One synchronous pass for tests: recover, expire, claim, dial to the end, send webhooks."""
    if app is not None:
        with app.app_context():
            return run_once(None, now, worker_id)
    now = now or utcnow()
    dispatcher = Dispatcher(worker_id)
    dispatcher.maintain(now)
    while dispatcher.claim(now):
        dispatcher.apply_due(now, everything=True)
    deliver_webhooks()
    return dispatcher


def _webhook_loop(app, stop, poll):
    with app.app_context():
        while not stop.is_set():
            try:
                deliver_webhooks()
            except Exception:
                log.exception("webhook delivery pass failed")
                db.session.rollback()
            stop.wait(max(poll, 0.5))


def run(app, worker_id=None, stop=None):
    """Run until `stop` is set (SIGTERM): dial as soon as calls are queued, then finish in-flight calls."""
    stop = stop or threading.Event()
    poll = app.config["DISPATCH_POLL_SECONDS"]
    max_inflight = app.config["DISPATCH_MAX_INFLIGHT"]
    sender = threading.Thread(target=_webhook_loop, args=(app, stop, poll), daemon=True, name="webhooks")
    sender.start()
    with app.app_context():
        dispatcher = Dispatcher(worker_id)
        wake = Wakeup(db.engine, stop, app.config["DISPATCH_GATHER_SECONDS"])
        log.info("dispatcher %s started", dispatcher.worker_id)
        last_maintenance = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - last_maintenance >= MAINTENANCE_SECONDS:
                    dispatcher.maintain(utcnow())
                    last_maintenance = time.monotonic()
                room = max_inflight - dispatcher.pending
                if room > 0:
                    dispatcher.claim(utcnow(), min(room, BATCH))
                dispatcher.apply_due(utcnow())
            except Exception:  # the database may be briefly away; try again next round
                log.exception("dispatcher pass failed")
                db.session.rollback()
                stop.wait(1.0)
            db.session.close()  # on SQLite an open transaction would hold the write lock
            wake.wait(_wait(dispatcher, FALLBACK_POLL_SECONDS), poll)
        _drain(dispatcher, app.config["DISPATCH_LEASE_SECONDS"])
        log.info("dispatcher %s stopped", dispatcher.worker_id)
    sender.join(timeout=5)


def _wait(dispatcher, longest):
    """Seconds until the next planned step, at most `longest`."""
    due = dispatcher.next_due()
    if due is None:
        return longest
    return max(0.0, min(longest, (due - utcnow()).total_seconds()))


def _drain(dispatcher, limit_seconds):
    """Graceful stop: apply the in-flight calls' remaining steps before their leases run out."""
    deadline = time.monotonic() + max(1.0, limit_seconds - 1.0)
    while dispatcher.pending and time.monotonic() < deadline:
        dispatcher.apply_due(utcnow())
        db.session.close()
        time.sleep(_wait(dispatcher, 0.05))
