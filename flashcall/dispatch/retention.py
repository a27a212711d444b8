"""Retention: what nobody needs any more is deleted in small batches, each its own short transaction,
so no purge ever holds a long lock. The worker runs `purge_expired`; operators run `purge_before`
(`flask --app app purge`) to remove old call history."""
from datetime import timedelta

from sqlalchemy import delete, select, update

from ..clock import tehran_date
from ..db import db
from ..models import (Call, CallEvent, CallTally, IdempotencyRecord, LedgerEntry, SimInboxEntry, TalliedDay,
                      WebhookDelivery)

IDEMPOTENCY_KEEP = timedelta(hours=24)  # what the API promises for Idempotency-Key
INBOX_KEEP = timedelta(days=1)  # the virtual phones' missed calls
BATCH = 1000


def _in_batches(model, condition, limit=None):
    """Delete rows of `model` matching `condition`, BATCH at a time, committing each. Returns how many."""
    total = 0
    while True:
        ids = db.session.scalars(select(model.id).where(condition).limit(BATCH)).all()
        if not ids:
            return total
        db.session.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
        db.session.commit()
        total += len(ids)
        if limit is not None and total >= limit:
            return total


def purge_expired(now, webhook_keep, limit=10 * BATCH):
    """The worker's periodic purge: expired idempotency records, day-old virtual-phone entries, and
    webhook deliveries older than `webhook_keep` that are no longer pending. Returns rows deleted."""
    return (_in_batches(IdempotencyRecord, IdempotencyRecord.created_at < now - IDEMPOTENCY_KEEP, limit)
            + _in_batches(SimInboxEntry, SimInboxEntry.at < now - INBOX_KEEP, limit)
            + _in_batches(WebhookDelivery, (WebhookDelivery.created_at < now - webhook_keep)
                          & (WebhookDelivery.status != "pending"), limit))


def purge_before(moment, calls=False):
    """Everything the worker purges, older than `moment`; with `calls`, also the calls created before
    it and their events (ledger entries stay, their call id kept in the note). Returns counts."""
    counts = {
        "idempotency_records": _in_batches(IdempotencyRecord, IdempotencyRecord.created_at < moment),
        "sim_inbox_entries": _in_batches(SimInboxEntry, SimInboxEntry.at < moment),
        "webhook_deliveries": _in_batches(WebhookDelivery, (WebhookDelivery.created_at < moment)
                                          & (WebhookDelivery.status != "pending")),
    }
    if calls:
        counts["calls"] = _purge_calls(moment)
        # The reports' day tallies of those days counted the calls just removed: they are counted
        # again, from what remains, the next time a report covers them.
        for model in (TalliedDay, CallTally):
            db.session.execute(delete(model).where(model.day <= tehran_date(moment))
                               .execution_options(synchronize_session=False))
        db.session.commit()
    return counts


def _purge_calls(moment):
    ended = (Call.created_at < moment) & Call.status.in_(("verified", "failed", "expired", "canceled"))
    total = 0
    while True:
        ids = db.session.scalars(select(Call.id).where(ended).limit(BATCH)).all()
        if not ids:
            return total
        for model, column in ((CallEvent, CallEvent.call_id), (SimInboxEntry, SimInboxEntry.call_id),
                              (WebhookDelivery, WebhookDelivery.call_id)):
            db.session.execute(delete(model).where(column.in_(ids)).execution_options(synchronize_session=False))
        db.session.execute(update(LedgerEntry).where(LedgerEntry.call_id.in_(ids)).values(call_id=None)
                           .execution_options(synchronize_session=False))
        db.session.execute(update(Call).where(Call.retry_of.in_(ids)).values(retry_of=None)
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(Call).where(Call.id.in_(ids)).execution_options(synchronize_session=False))
        db.session.commit()
        total += len(ids)
