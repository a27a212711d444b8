"""Phone numbers: any way a user writes one becomes E.164, then the service's rules decide."""
import re

import phonenumbers

from ..digits import to_latin
from ..translation import lazy as _l
from .errors import VerificationError

DEFAULT_REGION = "IR"
_SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f]")
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _invalid():
    return VerificationError("invalid_parameters", message=_l("The phone number is not valid."), field="phone")


def _candidates(text):
    """What the user may have meant: as written (region IR), then with a missing '+'."""
    if text.startswith("00"):
        return ["+" + text[2:]]
    if text.startswith(("+", "0")):
        return [text]
    return [text, "+" + text]


def parse(raw):
    """A valid PhoneNumber from '09…', '+98…', '0098…', '98…', Persian digits …; else invalid_parameters."""
    if not isinstance(raw, str):
        raise _invalid()
    text = _SEPARATORS.sub("", to_latin(raw).strip())
    if not re.fullmatch(r"\+?\d{4,17}", text):
        raise _invalid()
    for candidate in _candidates(text):
        try:
            number = phonenumbers.parse(candidate, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return number
    raise _invalid()


def to_e164(number):
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(raw):
    """E.164 text of any valid number, without the service's rules (used to look calls up)."""
    return to_e164(parse(raw))


def allowed_phone(service, raw):
    """E.164 text of a number this service may call; direction_not_allowed otherwise."""
    number = parse(raw)
    if phonenumbers.region_code_for_number(number) not in service.countries:
        raise VerificationError("direction_not_allowed")
    if service.mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise VerificationError("direction_not_allowed")
    return to_e164(number)
