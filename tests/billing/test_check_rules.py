"""The books' check (billing.check.problems) on reservations, rule by rule: each account's reservation
is compared with the calls in flight of its own services, a reservation of one Rial counts, and a
broken account is named alone."""
from sqlalchemy import update

from flashcall.billing import check, credit
from flashcall.db import db
from flashcall.models import Account, Call
from flashcall.verification import start_call

from .conftest import T0


def _in_flight(make, price, phone):
    """A new account whose one service (at `price`) has a call queued, so its price is held."""
    service = make.service(price_per_call=price, min_interval_seconds=0)
    credit(service, 10_000, "topup", T0)
    db.session.commit()
    call = start_call(service, phone, now=T0)
    assert call.reserved == price
    return service


def _shift_reserved(account_id, by):
    db.session.execute(update(Account).where(Account.id == account_id).values(reserved=Account.reserved + by))
    db.session.commit()


def test_each_accounts_reservation_is_checked_against_its_own_calls(ctx, make):
    first = _in_flight(make, 1_000, "+989121110001")
    second = _in_flight(make, 3_000, "+989121110002")
    assert check.problems() == []
    _shift_reserved(second.account_id, 500)
    try:
        assert check.problems() == [f"account {second.account_id}: reserved 3500 but its calls in flight hold 3000"]
    finally:
        _shift_reserved(second.account_id, -500)
    assert first.account_id != second.account_id and check.problems() == []


def test_a_reservation_of_one_rial_is_held_by_its_call(ctx, make):
    _in_flight(make, 1, "+989121110003")
    assert check.problems() == []


def test_an_ended_call_still_holding_its_price_is_named(ctx, make):
    service = _in_flight(make, 400, "+989121110005")
    call_table = Call.__table__
    db.session.execute(update(call_table).where(call_table.c.service_id == service.id).values(status="failed"))
    db.session.commit()
    try:
        assert check.problems() == ["1 ended calls still hold a reservation"]
    finally:
        db.session.execute(update(call_table).where(call_table.c.service_id == service.id).values(status="queued"))
        db.session.commit()
