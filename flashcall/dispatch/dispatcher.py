"""The durable dispatcher: claims queued calls under a lease and drives them through their gateway,
applying what the gateway reports through the engine's state machine."""
import heapq
import itertools
import logging
import os
import socket
from datetime import timedelta

from sqlalchemy import or_, select

from ..db import commit_or_rollback, db, on_postgresql
from ..models import Call, Gateway
from ..settings import Settings
from ..telephony.drivers import driver_for
from ..verification.lifecycle import can_transition, transition

log = logging.getLogger("flashcall.dispatcher")
BATCH = 200


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


class Dispatcher:
    """One worker's state: the steps it promised to apply for the calls it claimed."""

    def __init__(self, worker_id=None, settings=None):
        self.settings = settings or Settings()
        self.worker_id = worker_id or default_worker_id()
        self.lease = timedelta(seconds=self.settings.dispatch_lease_seconds)
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
            stmt = locking(select(Call).where(
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
            drivers[gateway_id] = driver_for(db.session.get(Gateway, gateway_id) if gateway_id else None,
                                            self.settings)
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
                log_step(call_id, status, reason)
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
            log_step(call_id, status, reason)
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
            clear_lease(call)
        return True
