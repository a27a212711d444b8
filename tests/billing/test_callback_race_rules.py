"""Two returns of one payment racing (PostgreSQL, where the callback's first read takes no lock): a
"canceled" return that read the payment as pending while the paying return credited it must find it
paid once it holds the row's lock, and leave it paid. Ordered by hand: the paying return runs, to its
commit, at the moment the canceled one asks the provider what the return said."""
import threading

import pytest

from flashcall.billing import balance, check, payments
from flashcall.billing.providers import zarinpal
from flashcall.db import db
from flashcall.models import LedgerEntry
from flashcall.settings import Settings
from tests.fakes.payment_gateway import MERCHANT, PaymentGateway


@pytest.fixture
def gateway(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises the two returns: the first one's write lock is taken at its first read")
    with PaymentGateway() as server:
        yield server


def test_a_canceled_return_that_read_the_payment_pending_leaves_it_paid(app, ctx, make, gateway, monkeypatch):
    settings = Settings(zarinpal_merchant_id=MERCHANT, zarinpal_base_url=gateway.url, payment_timeout_seconds=10)
    service = make.service()
    payment, _url = payments.start_online(service, 50_000, None, settings,
                                          lambda pid: f"http://127.0.0.1/billing/payments/{pid}/return")
    gateway.pay(payment.reference)
    payment_id, reference = payment.id, payment.reference
    db.session.commit()
    db.session.expire_all()
    real_callback, paid = zarinpal.Zarinpal.callback, []

    def paying_return():
        with app.app_context():
            paid.append(payments.complete_online(payment_id, {"Authority": reference, "Status": "OK"},
                                                 settings).status)
            db.session.remove()

    def callback(args):  # the canceled return has read the payment (pending): now the paying one ends
        if args.get("Status") == "NOK" and not paid:
            other = threading.Thread(target=paying_return)
            other.start()
            other.join(timeout=30)
        return real_callback(args)
    monkeypatch.setattr(zarinpal.Zarinpal, "callback", staticmethod(callback))
    done = payments.complete_online(payment_id, {"Authority": reference, "Status": "NOK"}, settings)
    assert paid == ["paid"]
    assert (done.status, done.failure_code) == ("paid", None)
    db.session.expire_all()
    assert balance(service)["service_balance"] == 50_000
    assert db.session.query(LedgerEntry).filter(LedgerEntry.payment_id == payment_id).count() == 1
    assert check.problems() == []
