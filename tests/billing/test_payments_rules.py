"""Top-ups rule by rule: which provider is asked and with what, what a paid or failed payment writes, and which payments reconciliation takes."""
import json
from datetime import datetime, timedelta

import pytest

from flashcall.billing import BillingError, admin, payments
from flashcall.billing.providers import Outcome, zarinpal
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import AuditEntry, LedgerEntry, Payment
from flashcall.settings import Settings
from tests.fakes.payment_gateway import MERCHANT


@pytest.fixture
def settings(gateway):
    return Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url=gateway.url, payment_timeout_seconds=10.0)


def _start(service, settings, now=None, user_id=None):
    payment, _url = payments.start_online(
        service, 50_000, user_id, settings, lambda pid: f"http://127.0.0.1/billing/payments/{pid}/return", now=now)
    return payment


def _paid_by_callback(payment, settings, gateway):
    gateway.pay(payment.reference)
    return payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings)


def _ledger_row(payment_id):
    entry = db.session.query(LedgerEntry).filter_by(payment_id=payment_id).one()
    return entry.kind, entry.amount, entry.user_id, entry.note


def _audit(action):
    return [(entry.actor_id, json.loads(entry.detail)) for entry in
            db.session.query(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)]


def test_reconciliation_takes_an_older_outage_failure_before_a_newer_pending_payment(ctx, make, settings, gateway):
    """Two payments, both paid on the gateway's page: the older one's verification met a timeout
    (failed, "timeout"), the newer one is still pending. A pass limited to one payment verifies the
    older one."""
    service = make.service()
    now = utcnow()
    older = _start(service, settings, now - timedelta(minutes=40))
    newer = _start(service, settings, now - timedelta(minutes=20))
    older.status, older.failure_code = "failed", "timeout"
    db.session.commit()
    gateway.pay(older.reference)
    gateway.pay(newer.reference)
    assert payments.reconcile(settings, now=now, limit=1) == 1
    db.session.expire_all()
    assert [(p.status, p.failure_code) for p in (older, newer)] == [("paid", None), ("pending", None)]



def test_a_reconciliation_pass_verifies_at_most_fifty_payments(ctx, make, settings, gateway):
    """51 online payments waiting with references the gateway does not know: the first pass asks the
    gateway about 50 of them (each then failed for good), the next pass about the one left."""
    service = make.service()
    now = utcnow()
    db.session.add_all(Payment(account_id=service.account_id, service_id=service.id, method="online",
                               provider="zarinpal", amount=50_000, reference=f"A{n:035d}",
                               created_at=now - timedelta(minutes=20)) for n in range(51))
    db.session.commit()
    asked = []
    for _ in range(2):
        before = gateway.verify_calls
        assert payments.reconcile(settings, now=now) == 0
        asked.append(gateway.verify_calls - before)
    assert asked == [50, 1]


def test_a_paid_online_top_up_is_a_topup_entry_by_the_payer_noting_the_provider_and_its_receipt(
        ctx, make, settings, gateway):
    """Zarinpal's receipt 201: the ledger gets one "topup" entry of the amount, by the user who paid,
    with the note "zarinpal 201"."""
    payer = make.account()
    service = make.service(payer.account)
    payment = _start(service, settings, user_id=payer.id)
    assert _paid_by_callback(payment, settings, gateway).status == "paid"
    assert _ledger_row(payment.id) == ("topup", 50_000, payer.id, "zarinpal 201")


def test_a_paid_top_up_without_a_receipt_is_noted_with_the_providers_name_alone(ctx, make, settings, gateway):
    """The provider's verify names no receipt number: the entry's note is "zarinpal", nothing after it."""
    service = make.service()
    gateway.ref_id = None
    payment = _start(service, settings)
    assert _paid_by_callback(payment, settings, gateway).ref_id is None
    assert _ledger_row(payment.id) == ("topup", 50_000, None, "zarinpal")


def test_a_failure_is_audited_once_as_the_payer_however_often_reconciliation_meets_it_again(
        ctx, make, settings, gateway):
    """The provider answers 502 to the callback's verify and again to reconciliation's: the payment stays
    failed ("http_502"), and the audit log has one failure, by the payer, without "by"."""
    payer = make.account()
    service = make.service(payer.account)
    payment = _start(service, settings, user_id=payer.id)
    gateway.pay(payment.reference)
    gateway.mode = "5xx"
    done = payments.complete_online(payment.id, {"Authority": payment.reference, "Status": "OK"}, settings)
    assert (done.status, done.failure_code) == ("failed", "http_502")
    assert payments.reconcile(settings, now=utcnow() + timedelta(minutes=20)) == 0
    db.session.expire_all()
    assert (payment.status, payment.failure_code) == ("failed", "http_502")
    assert [(actor, detail["code"], "by" in detail) for actor, detail in _audit("billing.topup_failed")] == [
        (payer.id, "http_502", False)]


def test_a_failure_found_by_reconciliation_is_audited_as_such_with_the_providers_message(
        ctx, make, settings, gateway):
    """A payment of the service "store" never paid: reconciliation's verify gets Zarinpal's -51 with the
    message "error"; the payment keeps both, and its audited failure names the service and the payment
    and says it came from reconciliation."""
    payer = make.account()
    service = make.service(payer.account, name="store")
    payment = _start(service, settings, user_id=payer.id)
    assert payments.reconcile(settings, now=utcnow() + timedelta(minutes=20)) == 0
    db.session.expire_all()
    assert (payment.status, payment.failure_code, payment.failure_message) == ("failed", "-51", "error")
    assert _audit("billing.topup_failed") == [(payer.id, {
        "amount": 50_000, "by": "reconcile", "code": "-51", "method": "online", "payment_id": payment.id,
        "provider": "zarinpal", "service_id": service.id})]
    assert [e.target for e in db.session.query(AuditEntry).filter_by(action="billing.topup_failed")] == ["store"]


class _LongCodes:
    """A provider whose verification refuses with a code longer than the payment's column (16)."""
    name = "zarinpal"

    def verify(self, reference, amount):
        return Outcome(False, "-123456789012345678", message="refused")


def test_a_failure_code_is_cut_to_sixteen_characters(ctx, make, settings):
    service = make.service()
    payment = _start(service, settings)
    done = payments.verify(payment, _LongCodes())
    assert (done.status, done.failure_code, done.failure_message) == ("failed", "-123456789012345", "refused")
    assert _audit("billing.topup_failed")[0][1]["code"] == "-123456789012345"


def test_the_provider_is_asked_with_a_description_naming_the_payment_and_its_id_as_the_order(
        ctx, make, monkeypatch):
    """Starting a top-up of 50,000 Rial by a user: Zarinpal gets the amount, "Flashcall top-up #<id>",
    the payment's return address and its id as the order; the pending payment names that user."""
    sent = []

    def post_json(url, body, timeout):
        sent.append((url, body))
        return {"data": {"code": 100, "authority": "A0000000000000000000000000000000001"}, "errors": []}
    monkeypatch.setattr(zarinpal, "post_json", post_json)
    settings = Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url="https://sandbox.zarinpal.com")
    payer = make.account()
    service = make.service(payer.account)
    payment, url = payments.start_online(service, 50_000, payer.id, settings, lambda pid: f"https://example.com/r/{pid}")
    assert url == "https://sandbox.zarinpal.com/pg/StartPay/A0000000000000000000000000000000001"
    assert sent == [("https://sandbox.zarinpal.com/pg/v4/payment/request.json", {
        "merchant_id": MERCHANT, "amount": 50_000, "currency": "IRR", "description": f"Flashcall top-up #{payment.id}",
        "callback_url": f"https://example.com/r/{payment.id}", "metadata": {"order_id": str(payment.id)}})]
    db.session.expire_all()
    assert (payment.status, payment.user_id, payment.reference) == (
        "pending", payer.id, "A0000000000000000000000000000000001")


def test_a_refused_request_fails_the_payment_at_the_moment_given_audited_with_the_payers_address(
        ctx, make, monkeypatch):
    """Zarinpal refuses the request (-10): the payment is failed with that code, stamped with the
    moment start_online was given, and the failure is audited with the payer's address."""
    monkeypatch.setattr(zarinpal, "post_json", lambda url, body, timeout: {
        "data": [], "errors": {"code": -10, "message": "merchant not found"}})
    settings = Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url="https://sandbox.zarinpal.com")
    payer = make.account()
    service = make.service(payer.account)
    at = datetime(2024, 5, 1, 8, 30, 0)
    with pytest.raises(BillingError) as refused:
        payments.start_online(service, 50_000, payer.id, settings, lambda pid: f"https://example.com/r/{pid}",
                              now=at, ip="203.0.113.9")
    assert (refused.value.code, refused.value.fields) == ("provider_refused", {"provider_code": "-10"})
    payment = db.session.query(Payment).one()
    assert (payment.status, payment.failure_code, payment.created_at, payment.updated_at) == (
        "failed", "-10", at, at)
    entry = db.session.query(AuditEntry).filter_by(action="billing.topup_failed").one()
    assert (entry.actor_id, entry.ip) == (payer.id, "203.0.113.9")


@pytest.mark.parametrize("chosen", ["zarinpal", "zibal"])
def test_the_chosen_provider_else_the_one_configured(ctx, chosen):
    """The operator's choice when this server has its merchant id; else the provider it has one for;
    none without any."""
    only_zibal = Settings(zibal_merchant="zibal", zibal_base_url="https://gateway.zibal.ir")
    only_zarinpal = Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url="https://sandbox.zarinpal.com")
    admin.set_setting("payment_provider", chosen)
    db.session.commit()
    assert (payments.active_provider(only_zibal).name, payments.active_provider(only_zarinpal).name) == (
        "zibal", "zarinpal")
    assert payments.active_provider(Settings()) is None
