"""Reading money and dates typed on the billing pages: the shown unit, any digits, Jalali dates."""
from datetime import timedelta

from flask import current_app
from persiantools.jdatetime import JalaliDate

from ...billing import BillingError
from ...billing.amounts import RIAL_PER, parse_amount, parse_signed
from ...clock import TEHRAN
from ...digits import to_latin


def unit():
    return current_app.config.get("MONEY_UNIT", "toman")


def amount(field):
    """A positive amount in the shown unit as Rial, or None with the reason on the field."""
    try:
        return parse_amount(field.data, unit())
    except BillingError as error:
        field.errors.append(error.message)
        return None


def signed(field, allow_zero=False):
    """A signed amount (in the shown unit) as Rial, or None with the reason on the field."""
    text = to_latin(field.data or "").strip()
    if allow_zero and text.lstrip("+-−").strip("0") == "" and text:
        return 0
    try:
        return parse_signed(field.data, unit())
    except BillingError as error:
        field.errors.append(error.message)
        return None


def in_unit(rial):
    """Rial as a number in the shown unit, for pre-filling inputs."""
    return int(rial) // RIAL_PER[unit()] if rial >= 0 else -((-int(rial)) // RIAL_PER[unit()])


def jalali_date(text):
    """'۱۴۰۵/۰۹/۱۰' (or with - or Latin digits) → a Gregorian date; ValueError when it is no date."""
    parts = to_latin(text or "").strip().replace("-", "/").split("/")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError(text)
    return JalaliDate(*(int(part) for part in parts)).to_gregorian()


def day_bounds(start, end):
    """Naive-UTC datetimes from the start of Tehran day `start` to the end of Tehran day `end`."""
    from datetime import datetime, time, timezone
    lower = datetime.combine(start, time(), tzinfo=TEHRAN).astimezone(timezone.utc).replace(tzinfo=None)
    upper = datetime.combine(end + timedelta(days=1), time(), tzinfo=TEHRAN).astimezone(timezone.utc).replace(tzinfo=None)
    return lower, upper
