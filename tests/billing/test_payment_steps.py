"""Each top-up step records when it happened and who asked from where (the payment's times, the audit
log's address and details), refuses what is not its kind of payment, and reconciliation takes the
payments in its window, oldest first, as many as asked."""
import json
from datetime import datetime, timedelta

import pytest

from flashcall.billing import BillingError, payments
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import AuditEntry, Payment
from flashcall.settings import Settings
from tests.fakes.payment_gateway import MERCHANT

AT = datetime(2024, 5, 1, 8, 30, 0)
IP = "203.0.113.9"


@pytest.fixture
def settings(gateway):
    return Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url=gateway.url, payment_timeout_seconds=10.0)


@pytest.fixture
def service(ctx, make):
    return make.service()


def _start(service, settings, now=None):
    payment, _url = payments.start_online(
        service, 50_000, None, settings, lambda pid: f"http://127.0.0.1/billing/payments/{pid}/return", now=now)
    return payment


def _audit(action):
    entry = db.session.query(AuditEntry).filter_by(action=action).one()
    return entry.ip, json.loads(entry.detail)


def test_a_canceled_callback_records_its_moment_and_the_payers_address(service, settings):
    payment = _start(service, settings)
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "NOK"}, settings,
                                    now=AT, ip=IP)
    assert (done.status, done.failure_code, done.updated_at) == ("failed", "NOK", AT)
    assert _audit("billing.topup_failed")[0] == IP


def test_a_paid_callback_records_its_moment(service, settings, gateway):
    payment = _start(service, settings)
    gateway.pay(payment.reference)
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings,
                                    now=AT, ip=IP)
    assert (done.status, done.paid_at, done.updated_at) == ("paid", AT, AT)
    assert _audit("billing.topup_paid")[0] == IP


def test_a_callback_naming_a_manual_or_missing_payment_is_unknown(service, settings):
    manual = payments.request_manual(service, 300_000, "TR-1", None, None, None)
    db.session.commit()
    for payment_id in (manual.id, manual.id + 1000):
        with pytest.raises(BillingError) as refused:
            payments.complete_online(payment_id, {"Authority": "A1", "Status": "OK"}, settings)
        assert refused.value.code == "payment_unknown"
    db.session.refresh(manual)
    assert manual.status == "pending"


def test_an_operator_cannot_approve_or_reject_an_online_payment(service, settings, make):
    operator = make.account(operator=True)
    online = _start(service, settings)
    for decide in (lambda pid: payments.approve(pid, operator.id),
                   lambda pid: payments.reject(pid, operator.id, "no such transfer")):
        for payment_id in (online.id, online.id + 1000):
            with pytest.raises(BillingError) as refused:
                decide(payment_id)
            assert refused.value.code == "payment_unknown"
    db.session.refresh(online)
    assert online.status == "pending"


def test_a_manual_request_keeps_who_asked_when_and_only_a_real_note(service, make):
    owner = make.account()
    request = payments.request_manual(service, 300_000, " TR-7 ", None, "  ", owner.id, now=AT)
    assert (request.user_id, request.created_at, request.note, request.bank_reference) == (owner.id, AT, None, "TR-7")
    no_note = payments.request_manual(service, 300_000, "TR-9", None, None, owner.id, now=AT)
    assert no_note.note is None
    long_note = payments.request_manual(service, 300_000, "TR-8", None, "x" * 1500, owner.id, now=AT)
    assert long_note.note == "x" * 1000
    db.session.commit()


def test_decisions_record_their_moment_and_the_operators_address(service, make):
    operator = make.account(operator=True)
    first = payments.request_manual(service, 300_000, "TR-21", None, None, None)
    second = payments.request_manual(service, 300_000, "TR-22", None, None, None)
    db.session.commit()
    payments.approve(first.id, operator.id, now=AT, ip=IP)
    ip, detail = _audit("billing.topup_approved")
    assert (ip, detail["bank_reference"]) == (IP, "TR-21")
    with pytest.raises(BillingError) as no_reason:
        payments.reject(second.id, operator.id, None)
    assert no_reason.value.code == "reject_reason_required"
    rejected = payments.reject(second.id, operator.id, "r" * 400, now=AT + timedelta(hours=1), ip=IP)
    assert (rejected.status, rejected.reject_reason, rejected.updated_at, rejected.reviewed_by) == (
        "rejected", "r" * 300, AT + timedelta(hours=1), operator.id)
    ip, detail = _audit("billing.topup_rejected")
    assert (ip, detail["bank_reference"], detail["reason"]) == (IP, "TR-22", "r" * 300)


def test_reconciliation_records_the_passes_moment_and_counts_every_payment(service, settings, gateway):
    started = utcnow()
    first, second = _start(service, settings, now=started), _start(service, settings, now=started)
    gateway.pay(first.reference)
    gateway.pay(second.reference)
    later = started + timedelta(minutes=20)
    assert payments.reconcile(settings, now=later) == 2
    db.session.expire_all()
    assert [(p.status, p.paid_at) for p in (first, second)] == [("paid", later), ("paid", later)]


def test_reconciliation_takes_the_oldest_first_and_as_many_as_asked(service, settings, gateway):
    started = utcnow()
    made = [_start(service, settings, now=started) for _ in range(3)]
    for payment in made:
        gateway.pay(payment.reference)
    later = started + timedelta(minutes=20)
    assert payments.reconcile(settings, now=later, limit=1) == 1
    db.session.expire_all()
    assert [p.status for p in made] == ["paid", "pending", "pending"]


def test_reconciliation_window_bounds(service, settings, gateway):
    now = utcnow()
    at_after = _start(service, settings, now=now - timedelta(minutes=15))  # exactly old enough: verified
    at_within = _start(service, settings, now=now - timedelta(days=1))  # exactly a day old: still verified
    too_old = _start(service, settings, now=now - timedelta(days=1, seconds=1))
    for payment in (at_after, at_within, too_old):
        gateway.pay(payment.reference)
    assert payments.reconcile(settings, now=now) == 2
    db.session.expire_all()
    assert [p.status for p in (at_after, at_within, too_old)] == ["paid", "paid", "pending"]


def test_reconciliation_leaves_a_final_failure_and_a_payment_without_reference(service, settings, gateway):
    now = utcnow()
    canceled = _start(service, settings, now=now - timedelta(minutes=20))
    payments.complete_online(canceled.id, {"Authority": canceled.reference, "Status": "NOK"}, settings)
    gateway.pay(canceled.reference)  # whatever the provider says now, the payer canceled
    unsent = Payment(account_id=service.account_id, service_id=service.id, method="online", provider="zarinpal",
                     amount=50_000, status="pending", created_at=now - timedelta(minutes=20))
    db.session.add(unsent)  # the request to the provider never got a reference
    db.session.commit()
    assert payments.reconcile(settings, now=now) == 0
    db.session.expire_all()
    assert (canceled.status, canceled.failure_code) == ("failed", "NOK")
    assert (unsent.status, unsent.failure_code) == ("pending", None)


def test_a_callback_for_a_paid_payment_does_not_ask_the_provider_again(service, settings, gateway):
    payment = _start(service, settings)
    gateway.pay(payment.reference)
    args = {"Authority": payment.reference, "Status": "OK"}
    assert payments.complete_online(payment.id, args, settings).status == "paid"
    assert gateway.verify_calls == 1
    for again in (args, {"Authority": payment.reference, "Status": "NOK"}):  # reload, or a stale canceled tab
        assert payments.complete_online(payment.id, again, settings).status == "paid"
    assert gateway.verify_calls == 1
