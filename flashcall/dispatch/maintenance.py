"""Periodic upkeep of calls: recovering calls whose dispatcher's lease ran out, and expiring codes.

Each call is moved in the pass's one transaction; if that fails, one by one, and a call that
cannot be moved ends failed(internal_error) (or, if even that fails, is set aside for a while)
so that one bad call never stalls the others."""
import logging
from datetime import timedelta

from sqlalchemy import select, update

from ..db import commit_or_rollback, db
from ..models import Call
from ..verification.calls import expire_if_due
from ..verification.lifecycle import can_transition, transition
from .dispatcher import BATCH, INTERNAL_ERROR, clear_lease, locking, log_step

log = logging.getLogger("flashcall.dispatcher")
SET_ASIDE = timedelta(minutes=1)  # a call that cannot even be failed is retried after this


def maintain(now):
    """Recover calls whose dispatcher's lease ran out, and expire calls past their lifetime."""
    return recover_expired_leases(now) + expire_due(now)


def _recover(call, now):
    """dialing → failed(interrupted) (it may or may not have rung: never dial twice);
    ringing → delivered (it did ring). Queued calls are simply claimed again."""
    if call.status == "dialing":
        transition(call, "failed", now, "interrupted")
    else:
        transition(call, "delivered", now)
    clear_lease(call)
    log.warning("call %s recovered from an expired lease: %s", call.id, call.status)


def recover_expired_leases(now):
    where = (Call.status.in_(("dialing", "ringing")), Call.lease_expires_at < now)
    return _each(select(Call).where(*where), lambda call: _recover(call, now), now)


def _expire(call, now):
    expire_if_due(call, now)  # the engine's rule: live codes expire, undialled calls time out
    clear_lease(call)
    log_step(call.id, call.status, call.failure_reason)


def expire_due(now):
    """Codes past their lifetime expire; calls never dialled in their lifetime fail (timeout)."""
    where = (Call.status.in_(("queued", "ringing", "delivered", "answered")), Call.expires_at <= now,
             # not one set aside (see _set_aside) nor one a dispatcher is driving right now
             (Call.lease_expires_at.is_(None)) | (Call.lease_expires_at < now))
    return _each(select(Call).where(*where), lambda call: _expire(call, now), now)


def _each(stmt, move, now):
    """move(call) for each call of the batch, in one transaction; one by one if that fails."""
    def together():
        calls = db.session.scalars(locking(stmt.limit(BATCH))).all()
        for call in calls:
            move(call)
        return len(calls)
    try:
        return commit_or_rollback(together)
    except Exception:
        log.warning("call upkeep failed for the batch; moving its calls one by one", exc_info=True)
    ids = list(db.session.scalars(locking(stmt.with_only_columns(Call.id).limit(BATCH))))
    db.session.rollback()
    for call_id in ids:
        _one(call_id, move, now)
    return len(ids)


def _one(call_id, move, now):
    def work():
        call = db.session.scalar(locking(select(Call).where(Call.id == call_id))
                                 .execution_options(populate_existing=True))
        if call is not None:
            move(call)
    try:
        commit_or_rollback(work)
    except Exception:
        log.exception("call %s: upkeep failed; it ends failed (%s)", call_id, INTERNAL_ERROR)
        _fail_internal(call_id, now)


def _fail_internal(call_id, now):
    def work():
        call = db.session.get(Call, call_id, with_for_update=True, populate_existing=True)
        if call is not None and can_transition(call, "failed"):
            transition(call, "failed", now, INTERNAL_ERROR)
            clear_lease(call)
            return True
        return False
    try:
        if commit_or_rollback(work):
            return
    except Exception:
        log.exception("call %s: could not be failed either; set aside for %s", call_id, SET_ASIDE)
    commit_or_rollback(lambda: db.session.execute(
        update(Call).where(Call.id == call_id).values(lease_expires_at=now + SET_ASIDE)
        .execution_options(synchronize_session=False)))
