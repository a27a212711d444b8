import pytest
from flashcall.billing import InsufficientCredit, balance, check_credit
from flashcall.db import db
from flashcall.models import LedgerEntry


def _topup(service, amount):
    db.session.add(LedgerEntry(account_id=service.account_id, service_id=service.id, kind="topup",
                               amount=amount, balance_after=0))
    db.session.commit()


def test_balance_sums_the_service_and_the_account(app, make):
    with app.app_context():
        service = make.service()
        other = make.service(service.account)
        service.account.credit_limit = 50_000
        _topup(service, 100_000)
        _topup(other, 20_000)
        assert balance(service) == {"service_balance": 100_000, "account_balance": 120_000,
                                    "credit_limit": 50_000, "unit": "IRR"}


def test_credit_check_allows_down_to_the_negative_limit(app, make):
    with app.test_request_context():
        service = make.service(price_per_call=1_000)
        service.account.credit_limit = 2_000
        _topup(service, -1_000)
        check_credit(service)  # -1000 - 1000 = -2000: still inside the limit
        _topup(service, -1)
        with pytest.raises(InsufficientCredit):
            check_credit(service)
