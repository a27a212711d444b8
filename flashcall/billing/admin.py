"""Operators' money actions: limits, prices, signed adjustments, and the platform's money settings.
Each is written to the audit log in the transaction of the change: who (`user_id`, None for the
system or a command), from where (`ip`), and `via` (such as "cli") when it did not come from a page."""
from sqlalchemy import select, update

from .. import audit
from ..clock import utcnow
from ..db import db
from ..models import Account, PlatformSetting, User
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


def audited(action, *, account_id, target, user_id=None, ip=None, via=None, **detail):
    """Record a money action in the audit log of the account whose money it is (None: the actor's).
    Does not commit."""
    actor = db.session.get(User, user_id) if user_id is not None else None
    if via:
        detail["by"] = via
    return audit.record(action, account_id=account_id, actor=actor, target=target, ip=ip, **detail)


def default_price():
    return int(setting("default_price"))


def set_default_price(price, *, user_id=None, ip=None, via=None):
    if price < 0:
        raise BillingError("price_negative")
    old = default_price()
    set_setting("default_price", price)
    if old != price:  # the settings form saves it with the others; only a change is worth an entry
        # A platform setting: in the log of the operator's own account.
        audited("billing.default_price_changed", account_id=None, target=None, user_id=user_id, ip=ip, via=via,
                old=old, new=price)


def topup_max():
    return int(setting("topup_max"))


def set_limit(account, limit, *, user_id=None, ip=None, via=None):
    """The lowest total the account may reach: zero or negative Rial. Does not commit."""
    if limit > 0:
        raise BillingError("limit_positive")
    old = account.credit_limit
    db.session.execute(update(Account).where(Account.id == account.id).values(credit_limit=limit)
                       .execution_options(synchronize_session="fetch"))
    audited("billing.limit_changed", account_id=account.id, target=account.name, user_id=user_id, ip=ip, via=via,
            old=old, new=limit)


def set_price(service, price, *, user_id=None, ip=None, via=None):
    """Rial per delivered call from now on; calls already accepted keep the price they reserved."""
    if price < 0:
        raise BillingError("price_negative")
    old = service.price_per_call
    service.price_per_call = price
    audited("billing.price_changed", account_id=service.account_id, target=service.name, user_id=user_id, ip=ip,
            via=via, service_id=service.id, old=old, new=price)


def adjust(service, amount, reason, user_id=None, now=None, *, ip=None, via=None):
    """A signed credit (or debit) with a required reason, recorded with who made it. Does not commit."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("reason_required")
    if amount == 0:
        raise BillingError("amount_zero")
    entry = balances.credit(service, amount, "adjustment", now or utcnow(), user_id=user_id, note=reason[:200])
    audited("billing.credit_adjusted", account_id=service.account_id, target=service.name, user_id=user_id, ip=ip,
            via=via, service_id=service.id, amount=amount, reason=reason[:200], credit_after=entry["balance_after"])
    return entry
