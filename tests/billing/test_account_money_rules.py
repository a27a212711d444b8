"""The account's money as the dashboard shows it (balances.account_money), rule by rule: the price its
warnings use is the dearest active service of this account only; "refusing" and "near the limit" hold
only for a priced account, at their exact edges; the limit's share in the margin; and what a service's
balance reads joins its own account."""
from flashcall.billing import admin, balance, credit
from flashcall.billing.balances import account_money
from flashcall.db import db

from .conftest import T0


def _account(make, price, credit_=0, limit=0, suspended=False):
    """A new account with one service at `price` Rial a call, `credit_` Rial credited (negative: debited)
    and the limit `limit`."""
    service = make.service(price_per_call=price)
    if credit_:
        credit(service, credit_, "adjustment", T0, note="test")
    if limit:
        admin.set_limit(service.account, limit)
    if suspended:
        service.status = "suspended"
    db.session.commit()
    return service


def _seen(service):
    db.session.expire_all()
    money = account_money(service.account_id)
    return money["price"], money["available"], money["refusing"], money["near_limit"], money["used_percent"]


def test_another_accounts_dearer_service_sets_nothing_here(ctx, make):
    _account(make, price=5_000)
    free = _account(make, price=0)
    assert _seen(free) == (0, 0, False, False, 0)


def test_an_account_with_no_active_service_has_no_price(ctx, make):
    suspended = _account(make, price=1_000, suspended=True)
    assert _seen(suspended) == (0, 0, False, False, 0)


def test_a_free_account_past_its_limit_is_neither_refusing_nor_near_it(ctx, make):
    free = _account(make, price=0, credit_=-1_000)
    assert _seen(free) == (0, -1_000, False, False, 0)
    generous = _account(make, price=0, credit_=-9_500, limit=-10_000)  # margin 1,000 (a tenth of the limit)
    assert _seen(generous) == (0, 500, False, False, 95)


def test_one_rial_a_call_is_a_price(ctx, make):
    refusing = _account(make, price=1)
    assert _seen(refusing) == (1, 0, True, True, 0)
    near = _account(make, price=1, credit_=5)  # ten calls' worth is 10 Rial
    assert _seen(near) == (1, 5, False, True, 0)


def test_near_the_limit_is_strictly_within_ten_calls_worth(ctx, make):
    at_the_edge = _account(make, price=1_000, credit_=10_000)
    assert _seen(at_the_edge) == (1_000, 10_000, False, False, 0)
    within = _account(make, price=1_000, credit_=9_999)
    assert _seen(within) == (1_000, 9_999, False, True, 0)
    beyond_ten_calls = _account(make, price=1_000, credit_=10_500)
    assert _seen(beyond_ten_calls) == (1_000, 10_500, False, False, 0)


def test_a_tenth_of_a_large_limit_is_the_margin_when_it_exceeds_ten_calls(ctx, make):
    # 8,000 left of a 100,000 limit: within its tenth (10,000), not within ten calls (5,000).
    postpaid = _account(make, price=500, credit_=-92_000, limit=-100_000)
    assert _seen(postpaid) == (500, 8_000, False, True, 92)


def test_a_services_balance_is_read_with_its_own_account(ctx, make):
    rich = _account(make, price=0, credit_=70_000, limit=-5_000)
    poor = _account(make, price=0, credit_=300)
    assert (balance(poor)["account_balance"], balance(poor)["credit_limit"], balance(poor)["available"]) == \
        (300, 0, 300)
    assert (balance(rich)["account_balance"], balance(rich)["credit_limit"], balance(rich)["available"]) == \
        (70_000, -5_000, 75_000)
