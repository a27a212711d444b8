"""Reading the books: ledger entries filtered and paged newest first, downloads in batches, payments by
account, state and method; and the platform's money settings."""
import json
from datetime import timedelta

import pytest

from flashcall.billing import BillingError, admin, credit, ledger, payments
from flashcall.db import db
from flashcall.models import AuditEntry

from .conftest import T0


@pytest.fixture
def books(ctx, make):
    """Account A: store (three top-ups a day apart, an adjustment) and sms (one top-up); account B: one top-up."""
    store = make.service(name="store")
    sms = make.service(store.account, name="sms")
    other = make.service(name="elsewhere")
    for day in range(3):
        credit(store, 1_000 * (day + 1), "topup", T0 + timedelta(days=day))
    admin.adjust(store, -500, "a mistake", now=T0 + timedelta(days=3))
    credit(sms, 700, "topup", T0 + timedelta(days=1))
    credit(other, 900, "topup", T0)
    db.session.commit()
    return store, sms, other


def _amounts(entries):
    return [e.amount for e in entries]


def test_entries_newest_first_of_one_account_only(books):  # newest written, whatever time it names
    store, sms, _other = books
    assert _amounts(ledger.entries(store.account_id)) == [700, -500, 3_000, 2_000, 1_000]


def test_entries_filtered_by_service_kind_and_time(books):
    store, sms, _other = books
    assert _amounts(ledger.entries(store.account_id, service_id=sms.id)) == [700]
    assert _amounts(ledger.entries(store.account_id, kind="adjustment")) == [-500]
    assert _amounts(ledger.entries(store.account_id, kind="topup", service_id=store.id)) == [3_000, 2_000, 1_000]
    day1 = T0 + timedelta(days=1)
    assert _amounts(ledger.entries(store.account_id, start=day1)) == [700, -500, 3_000, 2_000]
    assert _amounts(ledger.entries(store.account_id, end=day1)) == [1_000]  # the end is excluded
    assert _amounts(ledger.entries(store.account_id, start=day1, end=day1 + timedelta(days=1))) == [700, 2_000]


def test_entries_page_by_id(books):
    store, _sms, _other = books
    first = ledger.entries(store.account_id, limit=2)
    assert _amounts(first) == [700, -500]
    rest = ledger.entries(store.account_id, before_id=first[-1].id, limit=2)
    assert _amounts(rest) == [3_000, 2_000]
    assert _amounts(ledger.entries(store.account_id, before_id=rest[-1].id, limit=2)) == [1_000]
    assert ledger.entries(store.account_id, limit=50) == ledger.entries(store.account_id)


def test_entries_carry_their_service_and_user_loaded(books):
    store, _sms, _other = books
    entry = ledger.entries(store.account_id, kind="adjustment")[0]
    assert entry.service.name == "store" and entry.user is None and entry.note == "a mistake"


@pytest.mark.parametrize("batch", [1, 2, 4, 5, 1000])
def test_stream_reads_everything_in_batches(books, batch):
    store, _sms, _other = books
    assert _amounts(ledger.stream(store.account_id, batch=batch)) == [700, -500, 3_000, 2_000, 1_000]
    assert _amounts(ledger.stream(store.account_id, kind="topup", service_id=store.id, batch=batch)) \
        == [3_000, 2_000, 1_000]


def test_payments_filtered(books):
    store, sms, other = books
    first = payments.request_manual(store, 5_000, "BANK-1", None, "", None, now=T0)
    second = payments.request_manual(sms, 6_000, "BANK-2", None, "", None, now=T0)
    payments.request_manual(other, 7_000, "BANK-3", None, "", None, now=T0)
    db.session.commit()
    payments.approve(first.id, None, now=T0)
    assert [p.amount for p in ledger.payments(store.account_id)] == [6_000, 5_000]
    assert [p.amount for p in ledger.payments(store.account_id, status="pending")] == [6_000]
    assert [p.amount for p in ledger.payments(status="pending")] == [7_000, 6_000]
    assert [p.amount for p in ledger.payments(method="manual", limit=2)] == [7_000, 6_000]
    assert ledger.payments(method="online") == []
    assert ledger.payments(store.account_id, status="paid")[0].service.name == "store"
    assert second.status == "pending"


def test_platform_settings_have_defaults_and_keep_what_operators_set(ctx):
    assert (admin.default_price(), admin.topup_max(), admin.setting("payment_provider")) == (
        0, 5_000_000_000, "zarinpal")
    admin.set_default_price(2_500)
    admin.set_setting("payment_provider", "zibal")
    db.session.commit()
    admin.set_default_price(3_000)  # the row exists now: updated, not added twice
    admin.set_setting("topup_max", 1_000_000)
    db.session.commit()
    assert (admin.default_price(), admin.topup_max(), admin.setting("payment_provider")) == (3_000, 1_000_000, "zibal")
    admin.set_default_price(0)
    with pytest.raises(BillingError) as refused:
        admin.set_default_price(-1)
    assert refused.value.code == "price_negative" and admin.default_price() == 0
    with pytest.raises(AssertionError):
        admin.set_setting("anything", 1)


def test_a_manual_request_is_checked_and_trimmed(books):
    store, _sms, _other = books
    for reference, amount, code in [("  ", 5_000, "bank_reference_required"), (None, 5_000, "bank_reference_required"),
                                    ("REF", 0, "amount_too_small"), ("REF", 5_000_000_001, "amount_too_large")]:
        with pytest.raises(BillingError) as refused:
            payments.request_manual(store, amount, reference, None, "", None, now=T0)
        assert refused.value.code == code
    payment = payments.request_manual(store, 1, "  REF-9  ", None, "  paid at the branch  ", None, now=T0)
    assert (payment.bank_reference, payment.note, payment.method, payment.status, payment.account_id) == (
        "REF-9", "paid at the branch", "manual", "pending", store.account_id)
    assert payments.request_manual(store, 1, "R" * 150, None, "   ", None, now=T0).bank_reference == "R" * 100
    assert payments.request_manual(store, 1, "R", None, "   ", None, now=T0).note is None


def test_a_changed_default_price_is_audited_as_the_operator_and_an_unchanged_one_is_not(ctx, make):
    operator = make.account(operator=True)
    admin.set_default_price(2_500, user_id=operator.id, ip="203.0.113.7")
    db.session.commit()
    admin.set_default_price(2_500, user_id=operator.id, ip="203.0.113.7")  # saved again with other settings
    db.session.commit()
    [entry] = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "billing.default_price_changed"))
    assert (entry.account_id, entry.actor_email, entry.ip) == (operator.account_id, operator.email, "203.0.113.7")
    assert json.loads(entry.detail) == {"old": 0, "new": 2_500}
