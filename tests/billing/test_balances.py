"""Stored balances, reservations and charges: exact, once, and equal to the ledger after every scenario."""
from datetime import timedelta

import pytest

from flashcall.billing import BillingError, admin, balance, check, credit
from flashcall.db import db
from flashcall.models import Account, Call, LedgerEntry, Service
from flashcall.telephony.drivers import simulator
from flashcall.verification import VerificationError, cancel_call, start_call, verify_call
from tests.virtual_phone import typed_code
from tests.worker import run_once

from .conftest import PHONE, T0

OTHER = "+989121234568"


@pytest.fixture
def priced(ctx, make):
    """A service at 1,000 Rial a call with 10,000 Rial of credit and a limit of zero."""
    service = make.service(price_per_call=1_000, min_interval_seconds=0, daily_limit=1000)
    credit(service, 10_000, "topup", T0)
    db.session.commit()
    return service


def _money(service):
    db.session.expire_all()
    return balance(service)


def test_topups_and_adjustments_move_the_stored_credit_with_their_ledger_rows(priced):
    admin.adjust(priced, -2_500, "refund of a mistaken top-up", now=T0)
    db.session.commit()
    money = _money(priced)
    assert (money["service_balance"], money["account_balance"]) == (7_500, 7_500)
    entries = db.session.query(LedgerEntry).order_by(LedgerEntry.id).all()
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        ("topup", 10_000, 10_000), ("adjustment", -2_500, 7_500)]
    assert entries[1].note == "refund of a mistaken top-up"


def test_a_call_reserves_its_price_and_delivery_turns_it_into_the_charge(priced):
    call = start_call(priced, PHONE, now=T0)
    assert call.reserved == 1_000
    assert _money(priced) | {} == {"service_balance": 10_000, "account_balance": 10_000, "credit_limit": 0,
                                   "reserved": 1_000, "available": 9_000, "unit": "IRR"}
    run_once(now=T0)
    db.session.refresh(call)
    assert (call.status, call.cost, call.reserved) == ("delivered", 1_000, 0)
    money = _money(priced)
    assert (money["service_balance"], money["reserved"], money["available"]) == (9_000, 0, 9_000)
    verify_call(call, typed_code(call.phone, 4), now=T0)
    assert db.session.query(LedgerEntry).filter_by(kind="charge").count() == 1  # verified: not charged again


@pytest.mark.parametrize("outcome", ["busy", "unreachable", "rejected", "gateway_error"])
def test_a_failed_call_releases_its_reservation_and_costs_nothing(priced, outcome):
    simulator.set_outcome(PHONE, outcome)
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    assert (call.status, call.cost, call.reserved) == ("failed", 0, 0)
    assert _money(priced)["reserved"] == 0 and _money(priced)["service_balance"] == 10_000


def test_a_canceled_call_releases_its_reservation(priced):
    call = start_call(priced, PHONE, now=T0)
    cancel_call(call, now=T0)
    assert (call.reserved, call.cost) == (0, 0)
    assert _money(priced)["reserved"] == 0


def test_a_call_never_dialed_in_its_lifetime_releases_its_reservation(priced):
    call = start_call(priced, PHONE, now=T0)
    run_once(now=T0 + timedelta(hours=1))  # expiry before any dispatcher claimed it
    db.session.refresh(call)
    assert (call.status, call.failure_reason, call.cost) == ("failed", "timeout", 0)
    assert _money(priced)["reserved"] == 0


def test_a_code_typed_while_ringing_is_charged_once(priced):
    call = start_call(priced, PHONE, now=T0)
    db.session.execute(db.update(Call).where(Call.id == call.id).values(status="ringing"))
    db.session.commit()
    verify_call(call, call.caller_number[-4:], now=T0)  # the number ringing on the phone right now
    assert (call.status, call.cost, call.reserved) == ("verified", 1_000, 0)
    assert _money(priced)["service_balance"] == 9_000


def test_the_limit_counts_calls_in_flight(priced):
    admin.set_limit(priced.account, -2_000)
    db.session.commit()
    for index in range(12):  # 10,000 credit + 2,000 below zero = exactly 12 calls of 1,000
        start_call(priced, f"+98912000{index:04d}", now=T0)
    with pytest.raises(VerificationError) as refused:
        start_call(priced, OTHER, now=T0)
    assert refused.value.code == "insufficient_credit" and refused.value.http_status == 402
    run_once(now=T0)
    money = _money(priced)
    assert (money["service_balance"], money["reserved"], money["available"]) == (-2_000, 0, 0)


def test_the_limit_is_on_the_account_total_across_services(ctx, make):
    first = make.service(price_per_call=1_000, min_interval_seconds=0)
    second = make.service(first.account, price_per_call=3_000, min_interval_seconds=0)
    credit(first, 5_000, "topup", T0)
    db.session.commit()
    start_call(second, PHONE, now=T0)  # 3,000 of the account's 5,000 held by the other service's call
    start_call(first, OTHER, now=T0)
    start_call(first, "+989121234569", now=T0)  # the last 1,000
    with pytest.raises(VerificationError):
        start_call(first, "+989121234560", now=T0)
    run_once(now=T0)
    assert (_money(first)["service_balance"], _money(second)["service_balance"]) == (3_000, -3_000)
    assert _money(first)["account_balance"] == 0


def test_calls_of_another_account_are_not_held_against_this_one(ctx, make):
    rich = make.service(price_per_call=1_000, min_interval_seconds=0)
    credit(rich, 1_000, "topup", T0)
    poor = make.service(price_per_call=1_000)
    db.session.commit()
    with pytest.raises(VerificationError):
        start_call(poor, PHONE, now=T0)
    start_call(rich, PHONE, now=T0)


def test_a_price_change_does_not_touch_calls_already_accepted(priced):
    call = start_call(priced, PHONE, now=T0)
    admin.set_price(priced, 5_000)
    db.session.commit()
    run_once(now=T0)
    db.session.refresh(call)
    assert call.cost == 1_000


def test_money_is_64_bit(ctx, make):
    service = make.service(price_per_call=1_000)
    credit(service, 2_000_000_000, "topup", T0)
    credit(service, 2_000_000_000, "topup", T0)
    db.session.commit()
    call = start_call(service, PHONE, now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    assert call.cost == 1_000 and _money(service)["service_balance"] == 3_999_999_000


def test_limits_prices_and_adjustments_refuse_bad_values(priced):
    for action, code in [(lambda: admin.set_limit(priced.account, 1), "limit_positive"),
                         (lambda: admin.set_price(priced, -1), "price_negative"),
                         (lambda: admin.adjust(priced, 100, "  "), "reason_required"),
                         (lambda: admin.adjust(priced, 0, "why"), "amount_zero")]:
        with pytest.raises(BillingError) as refused:
            action()
        assert refused.value.code == code


def test_check_names_a_stored_balance_that_disagrees_with_its_ledger(priced):
    db.session.execute(db.update(Service).where(Service.id == priced.id).values(credit=Service.credit + 1))
    db.session.execute(db.update(Account).where(Account.id == priced.account_id).values(reserved=5))
    db.session.commit()
    found = check.problems()
    assert f"service {priced.id}: credit 10001 but its ledger sums to 10000" in found
    assert f"account {priced.account_id}: reserved 5 but its calls in flight hold 0" in found
    db.session.execute(db.update(Service).where(Service.id == priced.id).values(credit=10_000))
    db.session.execute(db.update(Account).where(Account.id == priced.account_id).values(reserved=0, balance=10_000))
    db.session.commit()
