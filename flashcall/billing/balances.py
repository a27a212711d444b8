"""Stored balances, changed only here, each by one atomic UPDATE in the transaction of its ledger row.

- A service's `credit` is the sum of its ledger entries; the account's `balance` the sum of its
  services' credit; the account's `reserved` what calls in flight hold.
- A call reserves its service's price when accepted (`HOLDING`): one conditional UPDATE of the
  account row, so the limit holds exactly however many calls race (PostgreSQL re-checks the
  condition after waiting for the row; SQLite serialises writers).
- When the call is delivered (or answered, or verified while ringing) the reservation becomes the
  charge; when it ends any other way it is released (`settle`, called by the call's transition).
  Settlements are gathered and written just before their transaction commits, one UPDATE per
  service and per account in id order: the rows every call of an account shares stay locked for
  the shortest time, and two dispatchers always lock them in the same order.
"""
from collections import defaultdict

from sqlalchemy import bindparam, event, func, insert, select, update
from sqlalchemy.orm import Session

from ..db import db
from ..models import Account, LedgerEntry, Service
from .errors import InsufficientCredit

UNIT = "IRR"
# A code typed while the phone still rings proves it rang: charged like a delivered call.
CHARGED = {"delivered", "answered", "verified"}
RELEASED = {"failed", "expired", "canceled"}
SYNC = {"synchronize_session": False}  # the ORM objects are not refreshed; nothing reads them after


def _holding():  # pragma: no mutate block  (built once, at import; tested through every priced call)
    accounts = Account.__table__
    price = bindparam("hold_price", type_=accounts.c.reserved.type)
    return (accounts.update()
            .where(accounts.c.id == bindparam("hold_account"),
                   accounts.c.balance - accounts.c.reserved - price >= accounts.c.credit_limit)
            .values(reserved=accounts.c.reserved + price).returning(accounts.c.id))


# The conditional UPDATE that holds :hold_price on account :hold_account, RETURNING its id (no row:
# the limit refused it). verification.inserts writes it with the new call, in one statement.
HOLDING = _holding()


def holding_params(service):
    """HOLDING's parameters for a new call of `service`; None when its calls are free."""
    price = service.price_per_call
    return {"hold_account": service.account_id, "hold_price": price} if price > 0 else None


def hold(params):
    """Execute HOLDING with `params` (holding_params); refused: InsufficientCredit. Does not commit."""
    if db.session.execute(HOLDING, params).first() is None:
        raise InsufficientCredit()


def settle(call, status, now):
    """Turn the call's reservation into its charge, or release it, as its new `status` says.
    Written when the transaction commits. Does not commit."""
    if not call.reserved:
        return
    amount, account_id = call.reserved, call.service.account_id
    if status in CHARGED:
        _pending().append((call.service_id, account_id, amount, call.id, now))
        call.cost, call.reserved = amount, 0
    elif status in RELEASED:
        _pending().append((None, account_id, amount, None, now))
        call.reserved = 0


PENDING = "flashcall.settlements"


def _pending():
    return db.session.info.setdefault(PENDING, [])


def _write_settlements(session):
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    charges, moves = defaultdict(list), defaultdict(lambda: [0, 0])  # account: [balance, reserved]
    for service_id, account_id, amount, call_id, now in pending:
        moves[account_id][1] -= amount
        if service_id is not None:
            charges[service_id].append((account_id, amount, call_id, now))
            moves[account_id][0] -= amount
    rows = []
    for service_id in sorted(charges):
        entries = charges[service_id]
        after = session.execute(
            update(Service).where(Service.id == service_id)
            .values(credit=Service.credit - sum(entry[1] for entry in entries))
            .returning(Service.credit).execution_options(**SYNC)).scalar_one()
        running = after + sum(entry[1] for entry in entries)
        for account_id, amount, call_id, now in entries:
            running -= amount
            rows.append({"account_id": account_id, "service_id": service_id, "kind": "charge", "amount": -amount,
                         "balance_after": running, "call_id": call_id, "note": f"call {call_id}", "created_at": now})
    for account_id in sorted(moves):
        balance_, reserved = moves[account_id]
        session.execute(update(Account).where(Account.id == account_id)
                        .values(balance=Account.balance + balance_, reserved=Account.reserved + reserved)
                        .execution_options(**SYNC))
    if rows:
        session.execute(insert(LedgerEntry), rows)


def _forget_settlements(session, _previous_transaction):
    session.info.pop(PENDING, None)


# Listeners registered by name rather than with @event.listens_for: mutation testing (make mutate) skips
# decorated functions, and these two write and drop every call's charge.
event.listen(Session, "before_commit", _write_settlements)
event.listen(Session, "after_soft_rollback", _forget_settlements)


def credit(service, amount, kind, now, *, user_id=None, payment_id=None, note=None):
    """Add `amount` (signed Rial) to the service's credit with its ledger row; returns the row's values
    (`balance_after`: the service's credit after it). Does not commit."""
    return _entry(service.id, service.account_id, amount, kind, now,
                  user_id=user_id, payment_id=payment_id, note=note)


def _entry(service_id, account_id, amount, kind, now, **refs):
    """The service's and account's stored balances move by `amount`, and the ledger row records the
    service's credit after it (read from the UPDATE itself, so it is right under concurrency)."""
    after = db.session.execute(
        update(Service).where(Service.id == service_id).values(credit=Service.credit + amount)
        .returning(Service.credit).execution_options(**SYNC)).scalar_one()
    db.session.execute(update(Account).where(Account.id == account_id)
                       .values(balance=Account.balance + amount).execution_options(**SYNC))
    values = dict(account_id=account_id, service_id=service_id, kind=kind, amount=amount,
                  balance_after=after, created_at=now, **refs)
    db.session.execute(insert(LedgerEntry).values(values))
    return values


def balance(service):
    """The service's credit, its account's total, limit and reservations, in Rial (fresh from the rows)."""
    credit_, total, limit, reserved = db.session.execute(
        select(Service.credit, Account.balance, Account.credit_limit, Account.reserved)
        .join(Account, Account.id == Service.account_id).where(Service.id == service.id)).one()
    return {"service_balance": int(credit_), "account_balance": int(total), "credit_limit": int(limit),
            "reserved": int(reserved), "available": int(total - reserved - limit), "unit": UNIT}


NEAR_LIMIT_SHARE = 0.1  # "close to the limit": within 10% of it


def account_money(account_id):
    """The account's total, reservations, limit and what is left, with the two warnings the
    dashboard shows: close to the limit, and new (priced) calls refused."""
    total, reserved, limit = db.session.execute(
        select(Account.balance, Account.reserved, Account.credit_limit).where(Account.id == account_id)).one()
    price = db.session.scalar(select(func.max(Service.price_per_call))
                              .where(Service.account_id == account_id, Service.status == "active")) or 0
    available = total - reserved - limit
    margin = max(-limit * NEAR_LIMIT_SHARE, price * 10)  # a tenth of the limit, or ten calls' worth
    used = 0 if limit >= 0 else min(100, max(0, round(100 * min(0, total - reserved) / limit)))
    return {"balance": int(total), "reserved": int(reserved), "credit_limit": int(limit), "available": int(available),
            "price": int(price), "used_percent": used, "refusing": price > 0 and available < price,
            "near_limit": price > 0 and available < margin}
