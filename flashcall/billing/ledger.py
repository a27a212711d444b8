"""The ledger in integer Rial: balances, the credit check before a call, and one charge per call."""
from sqlalchemy import func, select

from ..db import db
from ..models import Account, LedgerEntry

UNIT = "IRR"


class InsufficientCredit(Exception):
    """One more call would take the account below its negative limit."""


def service_balance(service_id):
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                             .where(LedgerEntry.service_id == service_id))


def account_balance(account_id):
    return db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))
                             .where(LedgerEntry.account_id == account_id))


def balance(service):
    """The service's credit, its account's total and limit, in Rial."""
    account = db.session.get(Account, service.account_id)
    return {
        "service_balance": int(service_balance(service.id)),
        "account_balance": int(account_balance(account.id)),
        "credit_limit": int(account.credit_limit),
        "unit": UNIT,
    }


def check_credit(service):
    """insufficient_credit when one more call would take the account below its negative limit."""
    price = service.price_per_call
    if price <= 0:
        return
    account = db.session.get(Account, service.account_id)
    if account_balance(account.id) - price < -account.credit_limit:
        raise InsufficientCredit()


def charge(call, now):
    """Charge a delivered (or answered) call its service's price, once. Does not commit."""
    service = call.service
    price = service.price_per_call
    if price <= 0 or call.cost:
        return None
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.call_id == call.id)) is not None:
        return None
    call.cost = price
    entry = LedgerEntry(account_id=service.account_id, service_id=service.id, kind="charge",
                        amount=-price, balance_after=int(service_balance(service.id)) - price,
                        call_id=call.id, note="call", created_at=now)
    db.session.add(entry)
    return entry
