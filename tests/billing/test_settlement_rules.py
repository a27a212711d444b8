"""Settlements wait for their transaction's commit (billing.balances): a charge gathered in a transaction
that is rolled back is forgotten with it, and never written by the next commit."""
from datetime import timedelta

from sqlalchemy import func, select

from flashcall.billing import balance, check, credit
from flashcall.db import db
from flashcall.models import Call, LedgerEntry
from flashcall.verification import start_call
from flashcall.verification.lifecycle import transition

from .conftest import T0


def test_a_charge_of_a_rolled_back_transaction_is_not_written_by_the_next_commit(ctx, make):
    service = make.service(price_per_call=700, min_interval_seconds=0)
    credit(service, 10_000, "topup", T0)
    db.session.commit()
    call = start_call(service, "+989121110004", now=T0)
    for second, status in enumerate(("dialing", "ringing", "delivered"), start=1):
        transition(call, status, T0 + timedelta(seconds=second))  # delivered: the 700 held become a charge
    db.session.rollback()
    db.session.commit()  # a later transaction of the same session commits
    db.session.expire_all()
    charges = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "charge"))
    held = db.session.get(Call, call.id)
    assert (charges, held.status, held.reserved, held.cost) == (0, "queued", 700, 0)
    assert (balance(service)["service_balance"], balance(service)["reserved"]) == (10_000, 700)
    assert check.problems() == []
