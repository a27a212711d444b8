"""Reading the ledger: an account's or a service's entries, filtered by kind and time, newest first."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..db import db
from ..models import LedgerEntry, Payment

PAGE = 50


def entries(account_id, service_id=None, kind=None, start=None, end=None, before_id=None, limit=PAGE):
    """Up to `limit` entries newest first (keyset on id: `before_id` continues an earlier page)."""
    stmt = _filtered(account_id, service_id, kind, start, end)
    if before_id is not None:
        stmt = stmt.where(LedgerEntry.id < before_id)
    return db.session.scalars(stmt.options(joinedload(LedgerEntry.user), joinedload(LedgerEntry.service))
                              .order_by(LedgerEntry.id.desc()).limit(limit)).all()


def stream(account_id, service_id=None, kind=None, start=None, end=None, batch=1000):
    """Every matching entry, newest first, read in batches (for downloads)."""
    before = None
    while True:
        page = entries(account_id, service_id, kind, start, end, before, batch)
        yield from page
        if len(page) < batch:
            return
        before = page[-1].id


def _filtered(account_id, service_id, kind, start, end):
    stmt = select(LedgerEntry).where(LedgerEntry.account_id == account_id)
    if service_id is not None:
        stmt = stmt.where(LedgerEntry.service_id == service_id)
    if kind is not None:
        stmt = stmt.where(LedgerEntry.kind == kind)
    if start is not None:
        stmt = stmt.where(LedgerEntry.created_at >= start)
    if end is not None:
        stmt = stmt.where(LedgerEntry.created_at < end)
    return stmt


def payments(account_id=None, status=None, method=None, limit=PAGE):
    stmt = select(Payment).options(joinedload(Payment.service), joinedload(Payment.user))
    if account_id is not None:
        stmt = stmt.where(Payment.account_id == account_id)
    if status is not None:
        stmt = stmt.where(Payment.status == status)
    if method is not None:
        stmt = stmt.where(Payment.method == method)
    return db.session.scalars(stmt.order_by(Payment.id.desc()).limit(limit)).all()
