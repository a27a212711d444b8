"""Amounts as people type them (Persian, Arabic-Indic or Latin digits, separators, Toman or Rial) become
integer Rial, or a refusal that says why."""
import pytest

from flashcall.billing import BillingError
from flashcall.billing.amounts import check_bounds, parse_amount, parse_signed


def _refused(fn, *args):
    with pytest.raises(BillingError) as err:
        fn(*args)
    return err.value


@pytest.mark.parametrize("text, unit, rial", [
    ("12000", "toman", 120_000),
    ("۱۲٬۰۰۰", "toman", 120_000),
    ("١٢،٠٠٠", "toman", 120_000),
    ("12,000", "rial", 12_000),
    (" 1 200 ", "rial", 1_200),
    ("1_000", "rial", 1_000),
    ("007", "rial", 7),
    ("1", "toman", 10),
    ("1", "rial", 1),  # the smallest amount there is
    ("999999999999999", "rial", 999_999_999_999_999),
])
def test_amounts_in_any_digits_become_rial(text, unit, rial):
    assert parse_amount(text, unit) == rial


def test_toman_is_the_default_unit():
    assert parse_amount("5") == 50


@pytest.mark.parametrize("text, code", [
    ("", "amount_required"),
    ("   ", "amount_required"),
    (None, "amount_required"),
    (5000, "amount_required"),
    ("٬", "amount_required"),
    ("-500", "amount_not_positive"),
    ("-۵۰۰", "amount_not_positive"),
    ("0", "amount_not_positive"),
    ("000", "amount_not_positive"),
    ("12.5", "amount_invalid"),
    ("12a", "amount_invalid"),
    ("+500", "amount_invalid"),
    ("--5", "amount_invalid"),
    ("-", "amount_invalid"),
    ("1000000000000000", "amount_invalid"),
])
def test_what_is_not_a_positive_whole_amount_is_refused(text, code):
    assert _refused(parse_amount, text, "rial").code == code


@pytest.mark.parametrize("text, unit, rial", [
    ("500", "rial", 500),
    ("-500", "rial", -500),
    ("−۵۰۰", "toman", -5_000),
    ("+1,000", "rial", 1_000),
    ("-۱۲٬۰۰۰", "rial", -12_000),
    ("999999999999999", "rial", 999_999_999_999_999),
])
def test_signed_amounts_for_adjustments(text, unit, rial):
    assert parse_signed(text, unit) == rial


def test_signed_amounts_default_to_toman():
    assert parse_signed("-3") == -30


@pytest.mark.parametrize("text, code", [
    ("", "amount_required"),
    ("-", "amount_required"),
    (None, "amount_required"),
    (12, "amount_required"),
    ("0", "amount_zero"),
    ("-000", "amount_zero"),
    ("1.5", "amount_invalid"),
    ("1e3", "amount_invalid"),
    ("1000000000000000", "amount_invalid"),
    ("X500", "amount_invalid"),  # only a sign may lead the digits
    ("-X500", "amount_invalid"),
])
def test_signed_amounts_refused(text, code):
    assert _refused(parse_signed, text, "rial").code == code


def test_bounds_name_the_limit_in_the_message():
    assert check_bounds(10_000, 10_000, 50_000) == 10_000
    assert check_bounds(50_000, 10_000, 50_000) == 50_000
    small = _refused(check_bounds, 9_999, 10_000, 50_000)
    assert (small.code, small.fields) == ("amount_too_small", {"minimum": "10,000"})
    large = _refused(check_bounds, 50_001, 10_000, 50_000)
    assert (large.code, large.fields) == ("amount_too_large", {"maximum": "50,000"})
    assert check_bounds(10**12, 1, 0) == 10**12  # no maximum set


def test_refusal_messages_are_localised_with_their_fields(app):
    with app.test_request_context():
        assert _refused(check_bounds, 5, 10_000, 0).message == "مبلغ باید دست‌کم 10,000 ریال باشد."
        assert _refused(parse_amount, "", "rial").message == "مبلغ را وارد کنید."
