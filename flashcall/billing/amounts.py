"""Amounts people type: Persian, Arabic-Indic or Latin digits, with or without separators, in the
unit the dashboard shows (Toman or Rial); always returned as integer Rial."""
import re

from ..digits import to_latin
from .errors import BillingError

RIAL_PER = {"rial": 1, "toman": 10}
_SEPARATORS = re.compile(r"[\s,٬،_]")


def parse_amount(text, unit="toman"):
    """'۱۲٬۰۰۰' in Toman → 120000 Rial; empty, decimals, letters, zero or negative raise BillingError."""
    cleaned = _SEPARATORS.sub("", to_latin(text or "")) if isinstance(text, str) else ""
    if not cleaned:
        raise BillingError("amount_required")
    if cleaned.startswith("-") and cleaned[1:].isdigit():
        raise BillingError("amount_not_positive")
    if not cleaned.isdigit() or len(cleaned) > 15:
        raise BillingError("amount_invalid")
    rial = int(cleaned) * RIAL_PER[unit]
    if rial <= 0:
        raise BillingError("amount_not_positive")
    return rial


def parse_signed(text, unit="toman"):
    """A signed amount for adjustments: '-۵۰۰' is a debit. Zero is refused."""
    cleaned = _SEPARATORS.sub("", to_latin(text or "")) if isinstance(text, str) else ""
    sign = -1 if cleaned.startswith(("-", "−")) else 1
    digits = cleaned.lstrip("+-−")
    if not digits:
        raise BillingError("amount_required")
    if not digits.isdigit() or len(digits) > 15:
        raise BillingError("amount_invalid")
    if int(digits) == 0:
        raise BillingError("amount_zero")
    return sign * int(digits) * RIAL_PER[unit]


def check_bounds(rial, minimum, maximum):
    if rial < minimum:
        raise BillingError("amount_too_small", minimum=f"{minimum:,}")
    if maximum and rial > maximum:
        raise BillingError("amount_too_large", maximum=f"{maximum:,}")
    return rial
