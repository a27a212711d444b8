"""One filter each for what people see: Jalali dates, Persian digits, money."""
from datetime import datetime

from flashcall.web import display


def test_persian_filters(app):
    with app.test_request_context("/"):
        assert display.digits(1405) == "۱۴۰۵"
        assert display.number(1234567) == "۱٬۲۳۴٬۵۶۷"
        # 2026-11-22 20:45 UTC is 1405/09/02 00:15 in Tehran (UTC+3:30): the date turns over.
        assert display.jalali(datetime(2026, 11, 22, 20, 45)) == "۱۴۰۵/۰۹/۰۲ ۰۰:۱۵"
        assert display.money(125000) == "۱۲٬۵۰۰ تومان"


def test_money_in_rial(app):
    app.config["MONEY_UNIT"] = "rial"
    with app.test_request_context("/"):
        assert display.money(125000) == "۱۲۵٬۰۰۰ ریال"


def test_english_pages_keep_latin_digits(app):
    with app.test_request_context("/"):
        from flask import session
        session["locale"] = "en"
        assert display.number(1234567) == "1,234,567"
        assert display.money(125000) == "12,500 Toman"
