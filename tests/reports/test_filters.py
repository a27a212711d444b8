"""Reading filters: phone prefixes in any digit form, Jalali dates, quick ranges, and refusals."""
from datetime import date, datetime

import pytest

from flashcall.reports import filters
from flashcall.reports.errors import ReportError
from flashcall.reports.filters import Scope

TODAY = date(2024, 5, 1)  # 1403/02/12


@pytest.mark.parametrize("typed, prefix", [
    ("۰۹۱۲۱۲۳", "+98912123"),
    ("٠٩١٢١٢٣", "+98912123"),
    ("0912 123", "+98912123"),
    ("+98912123", "+98912123"),
    ("0098912123", "+98912123"),
    ("912-123", "+98912123"),
    ("+۹۸۹۱۲۱۲۳۴۵۶۷", "+989121234567"),
])
def test_phone_prefix_in_any_form(typed, prefix):
    assert filters.phone_prefix(typed) == prefix


@pytest.mark.parametrize("typed", ["09", "abc", "0912x", "+", "1" * 16])
def test_phone_prefix_refused(app, typed):
    with app.test_request_context():
        with pytest.raises(ReportError) as caught:
            filters.phone_prefix(typed)
        assert caught.value.field == "phone" and "شماره تلفن" in caught.value.message


@pytest.mark.parametrize("typed", ["1403/02/12", "۱۴۰۳/۰۲/۱۲", "1403-2-12", "١٤٠٣/٠٢/١٢"])
def test_jalali_day_in_any_digits(typed):
    assert filters.jalali_day(typed, "from") == TODAY


@pytest.mark.parametrize("typed", ["1403/13/01", "1403/02/32", "2024-05-01x", "yesterday", "14030212"])
def test_malformed_jalali_day_refused(app, typed):
    with app.test_request_context():
        with pytest.raises(ReportError) as caught:
            filters.jalali_day(typed, "from")
        assert caught.value.field == "from" and "شمسی" in caught.value.message


@pytest.mark.parametrize("name, first", [
    ("today", date(2024, 5, 1)), ("7d", date(2024, 4, 25)), ("30d", date(2024, 4, 2)),
    ("month", date(2024, 4, 20)),  # 1403/02/01
])
def test_quick_ranges_end_today(name, first):
    assert filters.quick_range(name, TODAY) == (first, TODAY)


def _scope(shop):
    return Scope.of_account(shop.account.id)


def test_dashboard_filter_becomes_tehran_day_bounds(app, shop):
    with app.test_request_context():
        criteria, choice = filters.from_dashboard(
            _scope(shop), {"from": "1403/02/12", "to": "۱۴۰۳/۰۲/۱۲", "status": "failed", "phone": "0912"}, TODAY)
    assert criteria.start == datetime(2024, 4, 30, 20, 30) and criteria.end == datetime(2024, 5, 1, 20, 30)
    assert criteria.status == "failed" and criteria.phone == "+98912" and not criteria.narrow_phone
    assert criteria.service_ids == (shop.store.id, shop.blog.id)
    assert choice.query() == {"status": "failed", "phone": "0912", "from": "1403/02/12", "to": "1403/02/12"}


def test_a_key_narrows_to_its_service(app, shop):
    with app.test_request_context():
        criteria, _choice = filters.from_dashboard(_scope(shop), {"key": str(shop.web_key.id)}, TODAY)
    assert criteria.key_id == shop.web_key.id


@pytest.mark.parametrize("args, field", [
    ({"from": "1403/02/20", "to": "1403/02/10"}, "to"),
    ({"status": "lost"}, "status"),
    ({"service": "abc"}, "service"),
    ({"range": "year"}, "range"),
])
def test_bad_dashboard_input_is_refused(app, shop, args, field):
    with app.test_request_context(), pytest.raises(ReportError) as caught:
        filters.from_dashboard(_scope(shop), args, TODAY)
    assert caught.value.field == field and not caught.value.not_found


def test_a_key_of_the_other_service_is_refused(app, shop):
    with app.test_request_context(), pytest.raises(ReportError) as caught:
        filters.from_dashboard(_scope(shop), {"service": str(shop.blog.id), "key": str(shop.web_key.id)}, TODAY)
    assert caught.value.field == "key" and not caught.value.not_found


def test_another_accounts_ids_are_not_found(app, make, shop):
    other = make.service()
    other_key, _ = make.key(other)
    with app.test_request_context():
        for args in ({"service": str(other.id)}, {"key": str(other_key.id)}):
            with pytest.raises(ReportError) as caught:
                filters.from_dashboard(_scope(shop), args, TODAY)
            assert caught.value.not_found


@pytest.mark.parametrize("args, start, end", [
    ({"from": "2024-05-01T10:00:00Z"}, datetime(2024, 5, 1, 10), None),
    ({"from": "2024-05-01T13:30:00+03:30", "to": "2024-05-02"}, datetime(2024, 5, 1, 10), datetime(2024, 5, 1, 20, 30)),
])
def test_api_times(app, shop, args, start, end):
    criteria = filters.from_api(Scope.of_service(shop.store), shop.store.id, args)
    assert (criteria.start, criteria.end) == (start, end)


@pytest.mark.parametrize("args, field", [
    ({"from": "1 May"}, "from"), ({"to": "2024-13-01"}, "to"),
    ({"from": "2024-05-02", "to": "2024-05-01"}, "to"), ({"status": "ok"}, "status"), ({"phone": "x"}, "phone"),
])
def test_bad_api_input_is_refused(app, shop, args, field):
    with app.test_request_context(), pytest.raises(ReportError) as caught:
        filters.from_api(Scope.of_service(shop.store), shop.store.id, args)
    assert caught.value.field == field
