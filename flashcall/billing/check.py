"""`billing check`: every money invariant, verified on a live database; a list of what is wrong."""
from sqlalchemy import func, select

from ..db import db
from ..models import Account, Call, LedgerEntry, Payment, Service
from ..models.call import FINAL


def problems():
    """Sentences naming each broken invariant (empty when the books are right)."""
    return (_service_credit() + _account_balance() + _account_reserved() + _running_balance()
            + _paid_payments() + _charged_calls())


def _service_credit():
    sums = select(LedgerEntry.service_id, func.coalesce(func.sum(LedgerEntry.amount), 0).label("total")) \
        .group_by(LedgerEntry.service_id).subquery()
    rows = db.session.execute(select(Service.id, Service.credit, func.coalesce(sums.c.total, 0))
                              .outerjoin(sums, sums.c.service_id == Service.id)
                              .where(Service.credit != func.coalesce(sums.c.total, 0))).all()
    return [f"service {sid}: credit {credit} but its ledger sums to {total}" for sid, credit, total in rows]


def _account_balance():
    sums = select(Service.account_id, func.sum(Service.credit).label("total")).group_by(Service.account_id).subquery()
    rows = db.session.execute(select(Account.id, Account.balance, func.coalesce(sums.c.total, 0))
                              .outerjoin(sums, sums.c.account_id == Account.id)
                              .where(Account.balance != func.coalesce(sums.c.total, 0))).all()
    return [f"account {aid}: balance {balance} but its services' credit sums to {total}"
            for aid, balance, total in rows]


def _account_reserved():
    live = select(Service.account_id, func.sum(Call.reserved).label("held")) \
        .join(Service, Service.id == Call.service_id).where(Call.reserved != 0) \
        .group_by(Service.account_id).subquery()
    rows = db.session.execute(select(Account.id, Account.reserved, func.coalesce(live.c.held, 0))
                              .outerjoin(live, live.c.account_id == Account.id)
                              .where(Account.reserved != func.coalesce(live.c.held, 0))).all()
    ended = db.session.scalar(select(func.count(Call.id)).where(Call.reserved != 0, Call.status.in_(FINAL)))
    found = [f"account {aid}: reserved {reserved} but its calls in flight hold {held}" for aid, reserved, held in rows]
    if ended:
        found.append(f"{ended} ended calls still hold a reservation")
    return found


def _running_balance():
    """Each entry's balance_after is the running sum of its service's entries up to it."""
    running = func.sum(LedgerEntry.amount).over(partition_by=LedgerEntry.service_id, order_by=LedgerEntry.id)
    entries = select(LedgerEntry.id, LedgerEntry.balance_after, running.label("running")).subquery()
    wrong = db.session.execute(select(entries.c.id).where(entries.c.balance_after != entries.c.running)
                               .limit(20)).scalars().all()
    return [f"ledger entry {entry_id}: balance_after is not the running sum of its service" for entry_id in wrong]


def _paid_payments():
    credited = select(LedgerEntry.payment_id).where(LedgerEntry.payment_id.is_not(None))
    missing = db.session.scalars(select(Payment.id).where(Payment.status == "paid", Payment.id.not_in(credited))).all()
    stray = db.session.scalars(select(LedgerEntry.payment_id).join(Payment, Payment.id == LedgerEntry.payment_id)
                               .where(Payment.status != "paid")).all()
    return ([f"payment {pid} is paid but has no ledger entry" for pid in missing]
            + [f"payment {pid} is not paid but has a ledger entry" for pid in stray])


def _charged_calls():
    charged = select(LedgerEntry.call_id).where(LedgerEntry.call_id.is_not(None))
    rows = db.session.scalars(select(Call.id).where(Call.cost != 0, Call.id.not_in(charged)).limit(20)).all()
    return [f"call {cid} has a cost but no charge in the ledger" for cid in rows]
