"""Report filters: what a person or a script asks for (service, key, status, phone, dates), read
from text in any digit form, checked against the account, as one Criteria the queries understand."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from persiantools.jdatetime import JalaliDate
from sqlalchemy import select

from ..clock import tehran_midnight
from ..db import db
from ..digits import to_latin
from ..models import AccessKey, Service
from ..translation import lazy as _l
from ..verification.states import STATES
from .errors import ReportError

# A phone prefix with at least this many digits matches few numbers: its index finds them faster
# than walking the calls newest first (see queries.phone_condition).
NARROW_PHONE_DIGITS = 8
MIN_PHONE_DIGITS = 3
_SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f]")
_JALALI = re.compile(r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})")


@dataclass(frozen=True)
class Scope:
    """The services and keys a report may name: the account's (dashboard) or one service's (API)."""
    account_id: int
    services: dict  # id → name, in id order
    keys: dict  # id → (service id, label), in id order

    @classmethod
    def of_account(cls, account_id):
        services = db.session.execute(select(Service.id, Service.name).where(
            Service.account_id == account_id).order_by(Service.id)).all()
        keys = db.session.execute(select(AccessKey.id, AccessKey.service_id, AccessKey.label).join(
            Service, AccessKey.service_id == Service.id).where(Service.account_id == account_id)
            .order_by(AccessKey.id)).all()
        return cls(account_id, dict(services), {k.id: (k.service_id, k.label) for k in keys})

    @classmethod
    def of_service(cls, service):
        return cls(service.account_id, {service.id: service.name}, {})

    def keys_of(self, service_id=None):
        """(id, label) of the keys of one service, or of every service."""
        return [(key_id, label) for key_id, (owner, label) in self.keys.items()
                if service_id is None or owner == service_id]


@dataclass(frozen=True)
class Criteria:
    """Which calls: always some of one account's services; the rest narrows them."""
    account_id: int
    service_ids: tuple
    key_id: int | None = None
    status: str | None = None
    phone: str | None = None  # a prefix of the E.164 number
    start: datetime | None = None  # naive UTC, inclusive
    end: datetime | None = None  # naive UTC, exclusive
    first_day: date | None = None  # the same range as Tehran days, when it is whole days
    last_day: date | None = None

    @property
    def narrow_phone(self):
        return self.phone is not None and len(self.phone) - 1 >= NARROW_PHONE_DIGITS


@dataclass
class Choice:
    """The filter as the form shows it back (and as URLs carry it)."""
    service: int | None = None
    key: int | None = None
    status: str = ""
    phone: str = ""
    date_from: str = ""
    date_to: str = ""
    range: str = ""

    @classmethod
    def typed(cls, args):
        """The filter as it was typed, for a form that shows it back with an error."""
        def number(name):
            text = to_latin(args.get(name) or "").strip()
            return int(text) if text.isdigit() else None
        return cls(service=number("service"), key=number("key"), status=(args.get("status") or "").strip(),
                   phone=(args.get("phone") or "").strip(), date_from=(args.get("from") or "").strip(),
                   date_to=(args.get("to") or "").strip(), range=(args.get("range") or "").strip())

    def query(self):
        """The non-empty values as URL parameters; a quick range stays relative (no dates)."""
        values = {"service": self.service, "key": self.key, "status": self.status, "phone": self.phone,
                  "range": self.range}
        if not self.range:
            values.update({"from": self.date_from, "to": self.date_to})
        return {name: value for name, value in values.items() if value not in (None, "")}


def from_dashboard(scope, args, today):
    """(Criteria, Choice) from the reports page's parameters; ReportError on bad input.

    `today` is the Tehran date the quick ranges count back from."""
    choice = Choice(phone=(args.get("phone") or "").strip(), status=(args.get("status") or "").strip(),
                    range=(args.get("range") or "").strip())
    service_id = _service(scope, args.get("service"))
    key_id = _key(scope, args.get("key"), service_id)
    choice.service, choice.key = service_id, key_id
    if choice.range:
        first, last = quick_range(choice.range, today)
    else:
        first = jalali_day(args.get("from"), "from")
        last = jalali_day(args.get("to"), "to")
    if first and last and first > last:
        raise ReportError("to", _l("The start date is after the end date. Choose an end date on or after the start."))
    choice.date_from, choice.date_to = jalali_text(first), jalali_text(last)
    criteria = Criteria(
        account_id=scope.account_id,
        service_ids=(service_id,) if service_id else tuple(scope.services),
        key_id=key_id, status=status(choice.status), phone=phone_prefix(choice.phone),
        start=tehran_midnight(first) if first else None,
        end=tehran_midnight(last + timedelta(days=1)) if last else None,
        first_day=first, last_day=last)
    return criteria, choice


def from_api(scope, service_id, args):
    """Criteria from the API's parameters (status, from, to, phone): ISO-8601 times; ReportError on bad input."""
    start, end = iso_moment(args.get("from"), "from"), iso_moment(args.get("to"), "to")
    if start and end and start >= end:
        raise ReportError("to", _l("'to' must be later than 'from'."))
    return Criteria(account_id=scope.account_id, service_ids=(service_id,), status=status(args.get("status")),
                    phone=phone_prefix(args.get("phone")), start=start, end=end)


def _number(text, name, message):
    text = to_latin(text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ReportError(name, message)
    return int(text)


def _service(scope, text):
    service_id = _number(text, "service", _l("Choose a service from the list."))
    if service_id is not None and service_id not in scope.services:
        raise ReportError("service", _l("This service was not found."), not_found=True)
    return service_id


def _key(scope, text, service_id):
    key_id = _number(text, "key", _l("Choose an access key from the list."))
    if key_id is None:
        return None
    if key_id not in scope.keys:
        raise ReportError("key", _l("This access key was not found."), not_found=True)
    if service_id and scope.keys[key_id][0] != service_id:
        raise ReportError("key", _l("This access key belongs to another service. Choose one of the chosen service's keys."))
    return key_id


def status(text):
    text = (text or "").strip()
    if not text:
        return None
    if text not in STATES:
        raise ReportError("status", _l("There is no such status. Choose one from the list."))
    return text


def phone_prefix(text):
    """The E.164 prefix a person means by the start of a number in any form: '۰۹۱۲…', '0912…',
    '+98912…', '0098912…' and '912…' all read as '+98912…'. None when empty."""
    text = _SEPARATORS.sub("", to_latin(text or "").strip())
    if not text:
        return None
    digits = text[1:] if text.startswith("+") else text
    if not digits.isdigit() or len(digits) < MIN_PHONE_DIGITS or len(digits) > 15:
        raise ReportError("phone", _l("Enter at least three digits from the start of the phone number."))
    if text.startswith("+"):
        return text
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+98" + digits[1:]
    return "+98" + digits


def jalali_day(text, name):
    """A Gregorian date from a Jalali 'YYYY/MM/DD' in any digits; None when empty."""
    text = to_latin(text or "").strip()
    if not text:
        return None
    match = _JALALI.fullmatch(text)
    try:
        if not match:
            raise ValueError(text)
        return JalaliDate(*map(int, match.groups())).to_gregorian()
    except ValueError:
        raise ReportError(name, _l("Enter the date as year/month/day in the Jalali calendar, for example 1403/01/15.")) from None


def jalali_text(day):
    """A Gregorian date as Jalali 'YYYY/MM/DD' in Latin digits (what the date picker reads), '' for None."""
    return JalaliDate(day).strftime("%Y/%m/%d") if day else ""


def quick_range(name, today):
    """(first, last) Tehran days of a quick range ending today."""
    if name == "today":
        return today, today
    if name == "7d":
        return today - timedelta(days=6), today
    if name == "30d":
        return today - timedelta(days=29), today
    if name == "month":
        jalali = JalaliDate(today)
        return JalaliDate(jalali.year, jalali.month, 1).to_gregorian(), today
    raise ReportError("range", _l("There is no such date range. Choose one of the quick ranges."))


def iso_moment(text, name):
    """Naive UTC from ISO 8601: a date-time (without an offset it is UTC) or a date (midnight in
    Asia/Tehran, as the dashboard counts days); None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return tehran_midnight(date.fromisoformat(text))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(name, _l("Give '%(name)s' as an ISO 8601 date or date-time, for example 2024-05-01T00:00:00Z.",
                                   name=name)) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
