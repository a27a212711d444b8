"""Operators' money actions: limits, prices, signed adjustments, and the platform's money settings."""
from sqlalchemy import select, update

from ..clock import utcnow
from ..db import db
from ..models import Account, PlatformSetting
from . import balances
from .errors import BillingError

DEFAULTS = {"default_price": "0", "payment_provider": "zarinpal", "topup_max": "5000000000"}
PROVIDERS = ("zarinpal", "zibal")


def setting(key):
    value = db.session.scalar(select(PlatformSetting.value).where(PlatformSetting.key == key))
    return value if value is not None else DEFAULTS[key]


def set_setting(key, value):
    assert key in DEFAULTS, key
    row = db.session.get(PlatformSetting, key)
    if row is None:
        db.session.add(PlatformSetting(key=key, value=str(value)))
    else:
        row.value = str(value)


def default_price():
    return int(setting("default_price"))


def set_default_price(price):
    if price < 0:
        raise BillingError("price_negative")
    set_setting("default_price", price)


def topup_max():
    return int(setting("topup_max"))


def set_limit(account, limit):
    """The lowest total the account may reach: zero or negative Rial. Does not commit."""
    if limit > 0:
        raise BillingError("limit_positive")
    db.session.execute(update(Account).where(Account.id == account.id).values(credit_limit=limit)
                       .execution_options(synchronize_session="fetch"))


def set_price(service, price):
    """Rial per delivered call from now on; calls already accepted keep the price they reserved."""
    if price < 0:
        raise BillingError("price_negative")
    service.price_per_call = price


def adjust(service, amount, reason, user_id=None, now=None):
    """A signed credit (or debit) with a required reason, recorded with who made it. Does not commit."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("reason_required")
    if amount == 0:
        raise BillingError("amount_zero")
    return balances.credit(service, amount, "adjustment", now or utcnow(), user_id=user_id, note=reason[:200])
