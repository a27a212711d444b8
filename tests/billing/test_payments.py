"""Top-ups through the real provider clients against a local server speaking Zarinpal's and Zibal's
APIs: one ledger entry per payment whatever the callbacks do, and every refusal leaves no credit."""
import threading
from datetime import timedelta

import pytest

from flashcall.billing import BillingError, admin, balance, payments
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import AuditEntry, LedgerEntry, Payment
from flashcall.settings import Settings
from tests.fakes.payment_gateway import MERCHANT, ZIBAL_MERCHANT


@pytest.fixture
def settings(gateway):
    return Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url=gateway.url, zibal_merchant=ZIBAL_MERCHANT,
                    zibal_base_url=gateway.url, payment_timeout_seconds=2.5)


@pytest.fixture
def service(ctx, make):
    return make.service()


def _callback(payment_id):
    return f"http://127.0.0.1/billing/payments/{payment_id}/return"


def _start(service, settings, amount=50_000):
    return payments.start_online(service, amount, None, settings, _callback)


def _credit(service):
    db.session.expire_all()
    return balance(service)["service_balance"]


def _entries():
    return db.session.query(LedgerEntry).filter(LedgerEntry.payment_id.is_not(None)).count()


def test_zarinpal_round_trip_credits_once_however_often_the_callback_comes(service, settings, gateway):
    payment, url = _start(service, settings)
    assert url == f"{gateway.url}/pg/StartPay/{payment.reference}"
    assert payment.status == "pending" and payment.provider == "zarinpal"
    gateway.pay(payment.reference)
    args = {"Authority": payment.reference, "Status": "OK"}
    for _ in range(3):  # callback, reload, back button
        done = payments.complete_online(payment.id, args, settings)
        assert (done.status, done.ref_id, done.card_pan) == ("paid", "201", "502229******5995")
    assert _credit(service) == 50_000 and _entries() == 1


def test_a_long_card_number_and_receipt_are_kept_cut_to_their_columns(service, settings, gateway):
    """A provider answering more than the columns hold still credits once (PostgreSQL would refuse the
    row with "value too long" and the payer would be paid with no credit)."""
    gateway.card_pan, gateway.ref_id = "5" * 40, "9" * 80
    payment, _url = _start(service, settings)
    gateway.pay(payment.reference)
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings)
    db.session.expire_all()
    stored = db.session.get(Payment, payment.id)
    assert (stored.status, stored.card_pan, stored.ref_id) == ("paid", "5" * 32, "9" * 64)
    assert done.status == "paid" and _credit(service) == 50_000 and _entries() == 1


def test_two_tabs_racing_the_callback_credit_once(app, service, settings, gateway):
    payment, _url = _start(service, settings)
    gateway.pay(payment.reference)
    args = {"Authority": payment.reference, "Status": "OK"}
    payment_id = payment.id
    db.session.rollback()  # on SQLite this test's own open read would hold the write lock
    results, barrier = [], threading.Barrier(4)

    def tab():
        with app.app_context():
            barrier.wait(timeout=10)
            results.append(payments.complete_online(payment_id, args, settings).status)
            db.session.remove()
    tabs = [threading.Thread(target=tab) for _ in range(4)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join(timeout=30)
    assert results == ["paid"] * 4
    assert _credit(service) == 50_000 and _entries() == 1


def test_a_canceled_payment_fails_without_credit(service, settings):
    payment, _url = _start(service, settings)
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "NOK"}, settings)
    assert (done.status, done.failure_code) == ("failed", "NOK")
    assert _credit(service) == 0


def test_an_ok_callback_for_an_unpaid_payment_fails_with_zarinpal_code(service, settings):
    payment, _url = _start(service, settings)
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings)
    assert (done.status, done.failure_code) == ("failed", "-51")
    assert _credit(service) == 0


def test_an_amount_changed_after_the_request_is_refused_by_zarinpal(service, settings, gateway):
    payment, _url = _start(service, settings)
    gateway.pay(payment.reference)
    payment.amount = 5_000_000  # tampered
    db.session.commit()
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings)
    assert (done.status, done.failure_code) == ("failed", "-50")
    assert _credit(service) == 0


@pytest.mark.parametrize("args", [{"Authority": "A-not-ours", "Status": "OK"}, {"Status": "OK"}, {}])
def test_an_unknown_or_foreign_authority_changes_nothing(service, settings, args):
    payment, _url = _start(service, settings)
    with pytest.raises(BillingError) as refused:
        payments.complete_online(payment.id, args, settings)
    assert refused.value.code == "payment_unknown"
    db.session.refresh(payment)
    assert payment.status == "pending" and _credit(service) == 0


def test_another_payments_authority_is_foreign(service, settings, gateway):
    first, _ = _start(service, settings)
    second, _ = _start(service, settings)
    gateway.pay(second.reference)
    with pytest.raises(BillingError):
        payments.complete_online(first.id, {"Authority": second.reference, "Status": "OK"}, settings)
    assert _credit(service) == 0


@pytest.mark.parametrize("mode, code", [("timeout", "timeout"), ("5xx", "http_502")])
def test_a_provider_outage_fails_the_payment_and_reconciliation_recovers_it(service, settings, gateway, mode, code):
    payment, _url = _start(service, settings)
    gateway.pay(payment.reference)
    gateway.mode = mode
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings)
    assert (done.status, done.failure_code) == ("failed", code)
    assert _credit(service) == 0
    gateway.mode = None
    assert payments.reconcile(settings, now=utcnow()) == 0  # too recent: the payer may still be paying
    assert payments.reconcile(settings, now=utcnow() + timedelta(minutes=20)) == 1
    assert _credit(service) == 50_000 and _entries() == 1
    assert payments.reconcile(settings, now=utcnow() + timedelta(minutes=40)) == 0
    # The audit log: the failure once, then the payment recovered by reconciliation.
    steps = db.session.execute(db.select(AuditEntry.action, AuditEntry.detail).where(
        AuditEntry.action.startswith("billing.topup")).order_by(AuditEntry.id)).all()
    assert [action for action, _detail in steps] == ["billing.topup_failed", "billing.topup_paid"]
    assert f'"code": "{code}"' in steps[0].detail and '"by": "reconcile"' in steps[1].detail


def test_a_payment_whose_callback_never_came_is_found_by_reconciliation(service, settings, gateway):
    payment, _url = _start(service, settings)
    gateway.pay(payment.reference)
    assert payments.reconcile(settings, now=utcnow() + timedelta(minutes=20)) == 1
    db.session.refresh(payment)
    assert payment.status == "paid" and _credit(service) == 50_000


def test_an_abandoned_payment_is_closed_by_reconciliation(service, settings):
    payment, _url = _start(service, settings)
    assert payments.reconcile(settings, now=utcnow() + timedelta(minutes=20)) == 0
    db.session.refresh(payment)
    assert (payment.status, payment.failure_code) == ("failed", "-51")


def test_a_refused_request_fails_the_payment_before_the_payer_leaves(service, settings, gateway):
    bad = Settings(zarinpal_merchant_id="not-a-merchant", zarinpal_base_url=gateway.url)
    with pytest.raises(BillingError) as refused:
        payments.start_online(service, 50_000, None, bad, _callback)
    assert refused.value.code == "provider_refused" and refused.value.fields == {"provider_code": "-10"}
    assert db.session.query(Payment).one().status == "failed"


def test_a_timeout_on_request_says_the_gateway_did_not_answer(service, settings, gateway):
    gateway.mode = "timeout"
    with pytest.raises(BillingError) as refused:
        _start(service, settings)
    assert refused.value.code == "provider_unavailable"


def test_a_provider_failure_is_logged_with_what_the_operator_needs(service, settings, gateway, caplog):
    """The payment's page shows the code (timeout, http_502); the log says which payment, which provider
    and what failed, for the operator who looks into it."""
    gateway.mode = "timeout"
    with caplog.at_level("WARNING", logger="flashcall.billing"), pytest.raises(BillingError):
        _start(service, settings)
    failed = db.session.scalars(db.select(Payment).order_by(Payment.id.desc())).first()
    assert caplog.messages == [f"payment {failed.id}: zarinpal did not take the request: "
                               f"timeout: {gateway.url}/pg/v4/payment/request.json"]
    caplog.clear()
    gateway.mode = None
    payment, _url = _start(service, settings)
    gateway.pay(payment.reference)
    gateway.mode = "5xx"
    with caplog.at_level("WARNING", logger="flashcall.billing"):
        payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings)
    assert caplog.messages == [f"payment {payment.id}: zarinpal could not be asked whether it was paid: "
                               f"http_502: {gateway.url}/pg/v4/payment/verify.json"]


def test_amount_bounds_are_checked_before_anything_is_sent(service, settings, gateway):
    with pytest.raises(BillingError) as small:
        _start(service, settings, amount=9_990)
    admin.set_setting("topup_max", 100_000)
    with pytest.raises(BillingError) as large:
        _start(service, settings, amount=100_010)
    assert (small.value.code, large.value.code) == ("amount_too_small", "amount_too_large")
    assert gateway.payments == {} and db.session.query(Payment).count() == 0


def test_no_online_top_up_without_a_merchant_id(service):
    with pytest.raises(BillingError) as refused:
        payments.start_online(service, 50_000, None, Settings(), _callback)
    assert refused.value.code == "no_provider"


def test_zibal_round_trip_when_the_operator_chooses_it(service, settings, gateway):
    admin.set_setting("payment_provider", "zibal")
    payment, url = _start(service, settings, amount=20_000)
    assert payment.provider == "zibal" and url == f"{gateway.url}/start/{payment.reference}"
    gateway.pay(payment.reference)
    args = {"success": "1", "trackId": payment.reference, "orderId": str(payment.id), "status": "2"}
    assert payments.complete_online(payment.id, args, settings).status == "paid"
    assert payments.complete_online(payment.id, args, settings).status == "paid"  # 201 already verified
    assert _credit(service) == 20_000 and _entries() == 1


def test_zibal_cancel_and_not_paid(service, settings):
    admin.set_setting("payment_provider", "zibal")
    canceled, _ = _start(service, settings)
    done = payments.complete_online(canceled.id, {"success": "0", "trackId": canceled.reference}, settings)
    assert (done.status, done.failure_code) == ("failed", "NOK")
    unpaid, _ = _start(service, settings)
    done = payments.complete_online(unpaid.id, {"success": "1", "trackId": unpaid.reference}, settings)
    assert (done.status, done.failure_code) == ("failed", "202")
    assert _credit(service) == 0


def test_manual_request_approved_once(service, make):
    operator = make.account(operator=True)
    request = payments.request_manual(service, 300_000, "TR-12345", None, "paid at Mellat", None)
    db.session.commit()
    payments.approve(request.id, operator.id)
    with pytest.raises(BillingError) as twice:
        payments.approve(request.id, operator.id)
    assert twice.value.code == "not_pending"
    assert _credit(service) == 300_000 and _entries() == 1
    entry = db.session.query(LedgerEntry).one()
    assert (entry.kind, entry.user_id, entry.note) == ("topup", operator.id, "manual TR-12345")


def test_manual_request_rejected_with_a_reason(service, make):
    operator = make.account(operator=True)
    request = payments.request_manual(service, 300_000, "TR-9", None, None, None)
    db.session.commit()
    with pytest.raises(BillingError):
        payments.reject(request.id, operator.id, " ")
    rejected = payments.reject(request.id, operator.id, "No transfer with this number reached our account.")
    assert (rejected.status, rejected.reject_reason) == ("rejected", "No transfer with this number reached our account.")
    assert _credit(service) == 0
    with pytest.raises(BillingError):
        payments.request_manual(service, 300_000, "", None, None, None)
