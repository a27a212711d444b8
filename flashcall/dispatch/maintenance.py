"""Periodic upkeep of calls: recovering calls whose dispatcher's lease ran out, and expiring codes."""
import logging

from sqlalchemy import select

from ..db import commit_or_rollback, db
from ..models import Call
from ..verification.calls import expire_if_due
from ..verification.lifecycle import transition
from .dispatcher import BATCH, clear_lease, locking, log_step

log = logging.getLogger("flashcall.dispatcher")


def maintain(now):
    """Recover calls whose dispatcher's lease ran out, and expire calls past their lifetime."""
    return recover_expired_leases(now) + expire_due(now)


def recover_expired_leases(now):
    """dialing → failed(interrupted) (it may or may not have rung: never dial twice);
    ringing → delivered (it did ring). Queued calls are simply claimed again."""
    def work():
        calls = db.session.scalars(locking(select(Call).where(
            Call.status.in_(("dialing", "ringing")), Call.lease_expires_at < now).limit(BATCH))).all()
        for call in calls:
            if call.status == "dialing":
                transition(call, "failed", now, "interrupted")
            else:
                transition(call, "delivered", now)
            clear_lease(call)
            log.warning("call %s recovered from an expired lease: %s", call.id, call.status)
        return len(calls)
    return commit_or_rollback(work)


def expire_due(now):
    """Codes past their lifetime expire; calls never dialled in their lifetime fail (timeout)."""
    def work():
        calls = db.session.scalars(locking(select(Call).where(
            Call.status.in_(("queued", "ringing", "delivered", "answered")),
            Call.expires_at <= now).limit(BATCH))).all()
        for call in calls:
            expire_if_due(call, now)  # the engine's rule: live codes expire, undialled calls time out
            clear_lease(call)
            log_step(call.id, call.status, call.failure_reason)
        return len(calls)
    return commit_or_rollback(work)
