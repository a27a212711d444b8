"""Template filters for what people see: Jalali dates, Persian digits, money."""
from datetime import timezone

from flask import current_app
from flask_babel import get_locale, gettext as _
from persiantools.jdatetime import JalaliDateTime

from ..clock import TEHRAN
from ..digits import to_persian



def _persian():
    return str(get_locale()) == "fa"


def digits(value):
    """Persian digits on Persian pages; as is otherwise."""
    if value is None:
        return ""
    return to_persian(value) if _persian() else str(value)


def number(value):
    """An integer with thousands separators, in the page's digits."""
    if value is None:
        return ""
    text = f"{int(value):,}"
    return digits(text.replace(",", "٬")) if _persian() else text


def percent(value):
    """A percentage with at most one decimal, in the page's digits and signs ('—' for None)."""
    if value is None:
        return "—"
    text = f"{value:.1f}".removesuffix(".0")
    return digits(text.replace(".", "٫")) + "٪" if _persian() else text + "%"


def local_time(value):
    """A stored naive-UTC datetime as an aware Asia/Tehran datetime."""
    return value.replace(tzinfo=timezone.utc).astimezone(TEHRAN)


def jalali(value, with_time=True, seconds=False):
    """Jalali date (and time) in Asia/Tehran on Persian pages; Gregorian ISO otherwise."""
    if value is None:
        return "—"
    local = local_time(value)
    fmt = "%Y/%m/%d" + (" %H:%M" if with_time else "") + (":%S" if seconds and with_time else "")
    if _persian():
        return to_persian(JalaliDateTime(local).strftime(fmt))
    return local.strftime(fmt.replace("/", "-"))


def money(rial):
    """Money in the configured unit (Toman or Rial), with separators and the unit's name."""
    if rial is None:
        return ""
    if current_app.config.get("MONEY_UNIT") == "rial":
        amount, unit = rial, _("Rial")
    else:
        amount, unit = (rial // 10 if rial >= 0 else -((-rial) // 10)), _("Toman")
    return f"{number(amount)} {unit}"


def register(app):
    app.add_template_filter(digits)
    app.add_template_filter(number)
    app.add_template_filter(jalali)
    app.add_template_filter(money)
    app.add_template_filter(percent)
