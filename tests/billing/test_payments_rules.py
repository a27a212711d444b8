"""Top-ups rule by rule: a reconciliation pass verifies the oldest payments first, whatever their state, and at most 50."""
from datetime import timedelta

import pytest

from flashcall.billing import payments
from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Payment
from flashcall.settings import Settings
from tests.fakes.payment_gateway import MERCHANT, PaymentGateway


@pytest.fixture
def gateway():
    with PaymentGateway() as server:
        yield server


@pytest.fixture
def settings(gateway):
    return Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url=gateway.url, payment_timeout_seconds=10.0)


def _start(service, settings, now):
    payment, _url = payments.start_online(
        service, 50_000, None, settings, lambda pid: f"http://127.0.0.1/billing/payments/{pid}/return", now=now)
    return payment


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
