"""`billing check` rule by rule where the books are broken on purpose: a paid payment missing its entry
while others have theirs, and at most 20 wrong running balances or uncharged calls named."""
import pytest

from flashcall.billing import check, credit, payments
from flashcall.db import db
from flashcall.models import Account, Call, LedgerEntry, Service
from flashcall.verification import start_call

from .conftest import T0


@pytest.fixture(autouse=True)
def books_balance():
    """These tests break the books on purpose: the package's after-test check is replaced by their own."""
    yield


def test_a_paid_payment_without_its_entry_is_found_while_others_have_theirs(ctx, make):
    """Two approved manual top-ups (20,000 and 30,000); the first one's ledger entry deleted, the
    balances made to agree without it: that payment alone is named."""
    service = make.service()
    made = [payments.request_manual(service, amount, f"BANK-{amount}", None, "", None, now=T0)
            for amount in (20_000, 30_000)]
    db.session.commit()
    for payment in made:
        payments.approve(payment.id, None, now=T0)
    db.session.execute(db.delete(LedgerEntry).where(LedgerEntry.payment_id == made[0].id))
    db.session.execute(db.update(LedgerEntry).where(LedgerEntry.payment_id == made[1].id).values(balance_after=30_000))
    db.session.execute(db.update(Service).where(Service.id == service.id).values(credit=30_000))
    db.session.execute(db.update(Account).where(Account.id == service.account_id).values(balance=30_000))
    db.session.commit()
    assert check.problems() == [f"payment {made[0].id} is paid but has no ledger entry"]


def test_at_most_twenty_wrong_running_balances_are_named(ctx, make):
    """25 entries whose balance_after is each off by one: the check names 20 of them."""
    service = make.service()
    for _ in range(25):
        credit(service, 100, "adjustment", T0)
    db.session.execute(db.update(LedgerEntry).values(balance_after=LedgerEntry.balance_after + 1))
    db.session.commit()
    found = check.problems()
    assert len(found) == 20
    assert all(line.endswith(": balance_after is not the running sum of its service") for line in found)


def test_at_most_twenty_calls_with_a_cost_and_no_charge_are_named(ctx, make):
    """21 free calls, each given a cost by hand without a charge in the ledger: the check names 20."""
    service = make.service(min_interval_seconds=0, daily_limit=1000)
    for n in range(21):
        start_call(service, f"+98912123{n:04d}", now=T0)
    db.session.execute(db.update(Call).values(cost=5))
    db.session.commit()
    found = check.problems()
    assert len(found) == 20
    assert all(line.endswith(" has a cost but no charge in the ledger") for line in found)
