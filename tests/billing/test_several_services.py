"""Money across the services of one account: each charge lands on its own service's credit and ledger,
while the limit, the reservations and the warnings are the account's, summed over all its services."""
import pytest

from flashcall.billing import admin, balance, check, credit
from flashcall.billing.balances import account_money
from flashcall.db import db
from flashcall.models import LedgerEntry
from flashcall.telephony.drivers import simulator
from flashcall.verification import VerificationError, cancel_call, start_call
from tests.worker import run_once

from .conftest import T0

PHONES = [f"+98912100{n:04d}" for n in range(40)]


@pytest.fixture
def shop(ctx, make):
    """One account, three services: store (1,000 a call, 6,000 credit), sms (300 a call, no credit),
    and free (no price); a limit of -2,000 Rial."""
    store = make.service(name="store", price_per_call=1_000, min_interval_seconds=0, daily_limit=1000)
    sms = make.service(store.account, name="sms", price_per_call=300, min_interval_seconds=0, daily_limit=1000)
    free = make.service(store.account, name="free", min_interval_seconds=0, daily_limit=1000)
    credit(store, 6_000, "topup", T0)
    admin.set_limit(store.account, -2_000)
    db.session.commit()
    return store, sms, free


def _money(service):
    db.session.expire_all()
    return balance(service)


def _calls(service, count, first=0):
    return [start_call(service, phone, now=T0) for phone in PHONES[first:first + count]]


def test_each_charge_lands_on_its_own_service(shop):
    store, sms, free = shop
    _calls(store, 2)
    _calls(sms, 3, first=10)
    _calls(free, 1, first=20)
    run_once(now=T0)  # all six delivered in one pass
    assert (_money(store)["service_balance"], _money(sms)["service_balance"], _money(free)["service_balance"]) \
        == (4_000, -900, 0)
    assert _money(store) | {} == {"service_balance": 4_000, "account_balance": 3_100, "credit_limit": -2_000,
                                  "reserved": 0, "available": 5_100, "unit": "IRR"}
    charges = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.kind == "charge")
                                 .order_by(LedgerEntry.id)).all()
    by_service = {}
    for entry in charges:
        by_service.setdefault(entry.service_id, []).append((entry.amount, entry.balance_after))
    # Each service's running balance is its own, whatever order the pass settled them in.
    assert by_service == {store.id: [(-1_000, 5_000), (-1_000, 4_000)],
                          sms.id: [(-300, -300), (-300, -600), (-300, -900)]}
    assert all(entry.account_id == store.account_id for entry in charges)
    assert check.problems() == []


def test_a_service_without_credit_calls_on_the_accounts_total(shop):
    store, sms, _free = shop
    call = start_call(sms, PHONES[0], now=T0)  # sms has no credit of its own: the account's 6,000 carries it
    assert call.reserved == 300 and _money(store)["reserved"] == 300 and _money(sms)["reserved"] == 300


def test_calls_in_flight_of_one_service_hold_room_the_others_cannot_use(shop):
    store, sms, _free = shop
    held = _calls(store, 8)  # 8,000 of the 6,000 + 2,000 the account may spend
    assert _money(sms)["available"] == 0
    with pytest.raises(VerificationError) as refused:
        start_call(sms, PHONES[30], now=T0)
    assert refused.value.code == "insufficient_credit"
    cancel_call(held[0], now=T0)  # releases 1,000 of the account's room
    assert _money(sms)["available"] == 1_000
    assert start_call(sms, PHONES[30], now=T0).reserved == 300
    assert _money(store)["reserved"] == 7_300


def test_failed_calls_of_one_service_give_the_room_back_to_all(shop):
    store, sms, _free = shop
    for phone in PHONES[:8]:
        simulator.set_outcome(phone, "busy")
    _calls(store, 8)
    run_once(now=T0)
    assert _money(sms)["reserved"] == 0 and _money(sms)["available"] == 8_000
    assert start_call(sms, PHONES[30], now=T0).reserved == 300
    assert _money(store)["service_balance"] == 6_000


def test_a_free_service_is_never_refused_and_never_charged(shop):
    store, _sms, free = shop
    _calls(store, 8)  # the account's room is all held
    call = start_call(free, PHONES[30], now=T0)
    run_once(now=T0)
    db.session.refresh(call)
    assert (call.reserved, call.cost) == (0, 0) and _money(free)["service_balance"] == 0


def test_a_top_up_of_one_service_lifts_the_whole_account(shop):
    store, sms, _free = shop
    _calls(store, 8)
    with pytest.raises(VerificationError):
        start_call(sms, PHONES[30], now=T0)
    credit(sms, 600, "topup", T0)
    db.session.commit()
    assert (_money(sms)["service_balance"], _money(sms)["account_balance"], _money(sms)["available"]) \
        == (600, 6_600, 600)
    _calls(sms, 2, first=30)
    with pytest.raises(VerificationError):
        start_call(sms, PHONES[32], now=T0)


def test_an_adjustment_moves_only_its_service_and_is_recorded_with_its_reason(shop):
    store, sms, _free = shop
    admin.adjust(sms, -1_500, "a call charged by hand", user_id=None, now=T0)
    db.session.commit()
    assert (_money(store)["service_balance"], _money(sms)["service_balance"], _money(sms)["account_balance"]) \
        == (6_000, -1_500, 4_500)
    entry = db.session.scalars(db.select(LedgerEntry).order_by(LedgerEntry.id.desc())).first()
    assert (entry.service_id, entry.kind, entry.amount, entry.balance_after, entry.note) == \
        (sms.id, "adjustment", -1_500, -1_500, "a call charged by hand")


def test_the_dashboard_warnings_look_at_the_whole_account(shop):
    store, sms, _free = shop
    credit(sms, 4_000, "topup", T0)
    db.session.commit()
    money = account_money(store.account_id)
    assert money == {"balance": 10_000, "reserved": 0, "credit_limit": -2_000, "available": 12_000,
                     "price": 1_000, "used_percent": 0, "refusing": False, "near_limit": False}
    _calls(store, 3)  # 9,000 left: within ten calls of the dearest price (1,000), not of the cheaper one
    money = account_money(store.account_id)
    assert (money["available"], money["refusing"], money["near_limit"], money["used_percent"]) == \
        (9_000, False, True, 0)
    _calls(store, 8, first=3)  # 11,000 held: 1,000 left, half of the limit used
    money = account_money(store.account_id)
    assert (money["available"], money["refusing"], money["used_percent"]) == (1_000, False, 50)
    _calls(sms, 3, first=10)  # 900 more held: 100 left, below the dearest price (1,000)
    money = account_money(sms.account_id)
    assert (money["available"], money["refusing"], money["used_percent"]) == (100, True, 95)


def test_a_suspended_service_does_not_set_the_price_the_warnings_use(shop):
    store, sms, _free = shop
    store.status = "suspended"
    db.session.commit()
    assert account_money(store.account_id)["price"] == 300


def test_the_limit_meter_is_full_at_the_limit_and_empty_with_credit(shop):
    store, _sms, _free = shop
    admin.adjust(store, -7_000, "spent", now=T0)
    db.session.commit()
    assert account_money(store.account_id)["used_percent"] == 50  # -1,000 of -2,000
    admin.adjust(store, -5_000, "spent", now=T0)
    db.session.commit()
    money = account_money(store.account_id)
    assert (money["balance"], money["used_percent"], money["refusing"]) == (-6_000, 100, True)
    admin.set_limit(store.account, 0)
    db.session.commit()
    assert account_money(store.account_id)["used_percent"] == 0


def test_the_check_names_the_service_whose_credit_drifted(shop):
    store, sms, _free = shop
    from flashcall.models import Account, Service
    db.session.execute(db.update(Service).where(Service.id == sms.id).values(credit=Service.credit - 7))
    db.session.execute(db.update(Account).where(Account.id == sms.account_id).values(balance=Account.balance - 7))
    db.session.commit()
    assert check.problems() == [f"service {sms.id}: credit -7 but its ledger sums to 0"]
    db.session.execute(db.update(Service).where(Service.id == sms.id).values(credit=0))
    db.session.execute(db.update(Account).where(Account.id == sms.account_id).values(balance=6_000))
    db.session.commit()
