"""Digits: read any of Persian, Arabic-Indic or Latin; show Persian when the page is Persian."""
from persiantools import digits as _digits

_TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def to_latin(text):
    """Normalise user input so '۰۹۱۲' and '٠٩١٢' read as '0912'."""
    return text.translate(_TO_LATIN) if isinstance(text, str) else text


def to_persian(text):
    return _digits.en_to_fa(str(text))
