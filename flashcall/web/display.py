"""Template filters for what people see: Jalali dates, Persian digits, money."""
import re
from datetime import datetime, timezone

from flask import current_app
from flask_babel import get_locale, gettext as _
from markupsafe import Markup, escape
from persiantools.jdatetime import JalaliDate, JalaliDateTime

from ..clock import TEHRAN
from ..digits import to_persian
from ..verification import states



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


def jalali(value, with_time=True, seconds=False, latin=False):
    """Jalali date (and time) in Asia/Tehran on Persian pages; Gregorian ISO otherwise.
    latin=True: Jalali with Latin digits whatever the page (for downloads)."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):  # a calendar day, no time zone to convert
        text = JalaliDate(value).strftime("%Y/%m/%d")
        return to_persian(text) if _persian() and not latin else text
    local = local_time(value)
    fmt = "%Y/%m/%d" + (" %H:%M" if with_time else "") + (":%S" if seconds and with_time else "")
    if latin:
        return JalaliDateTime(local).strftime(fmt)
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


def ltr(value):
    """A left-to-right value (phone number, email, key) isolated inside right-to-left text; the
    surrounding line keeps its own alignment."""
    return Markup('<span dir="ltr">{}</span>').format(value)


def code_words(text, *words):
    """`text` with each of `words` (identifiers, headers, paths, quoted in the translation as they
    are in English) shown as left-to-right code inside the page's prose."""
    html = str(escape(text))
    # A translated string is already markup with its quotes as typed; a plain one is escaped here.
    forms = {form for word in words for form in (str(word), str(escape(word)))}
    pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    if not pattern:
        return Markup(html)
    marked = re.sub(rf"(?<![\w-])(?:{pattern})(?![\w-])",
                    lambda match: f'<code dir="ltr">{match.group(0)}</code>', html)
    return Markup(marked)


def register(app):
    app.add_template_filter(digits)
    app.add_template_filter(number)
    app.add_template_filter(jalali)
    app.add_template_filter(money)
    app.add_template_filter(ltr)
    app.add_template_filter(code_words)
    app.context_processor(states.context)  # call states, reasons and events in words, on every page
    app.add_template_filter(percent)
