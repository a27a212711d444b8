"""Services: creating them and changing their settings within the limits the product accepts."""
import secrets

from sqlalchemy import func, select

from .. import sealing
from ..db import db
from ..models import Service
from .errors import DuplicateNameError, ProvisioningError

SERVICE_LIMITS = {
    "code_length": (3, 6),
    "code_lifetime_minutes": (1, 60),
    "max_attempts": (1, 10),
    "min_interval_seconds": (0, 86400),
    "daily_limit": (1, 1000),
}


def create_service(account, name, *, secrets_key, **fields):
    """A new service with its own webhook signing secret (sealed with `secrets_key`)."""
    _check_service_fields(fields)
    _check_name_free(account.id, name)
    service = Service(account=account, name=name, **fields)
    new_webhook_secret(service, secrets_key)
    db.session.add(service)
    db.session.flush()
    return service


def same_name(column, name):
    """`column` equals `name` ignoring case and surrounding spaces (one rule for services and keys)."""
    return func.lower(func.trim(column)) == name.strip().lower()


def service_name_taken(account_id, name, service_id=None):
    """Whether another service of the account (than `service_id`) has this name."""
    stmt = select(Service.id).where(Service.account_id == account_id, same_name(Service.name, name))
    if service_id is not None:
        stmt = stmt.where(Service.id != service_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _check_name_free(account_id, name, service_id=None):
    if service_name_taken(account_id, name, service_id):
        raise DuplicateNameError(f"the account already has a service named {name.strip()!r}")


def new_webhook_secret(service, secrets_key):
    """A fresh signing secret for the service, stored sealed; returns it in plain text. Does not commit."""
    secret = "whsec_" + secrets.token_urlsafe(24)
    service.webhook_secret_sealed = sealing.seal(secrets_key, secret)
    return secret


def webhook_secret(service, secrets_key):
    """The service's signing secret in plain text (None if it has none, or this key cannot open it)."""
    return sealing.opened(secrets_key, service.webhook_secret_sealed)


def normalise_countries(text):
    """'ir, af' → 'IR,AF'; unknown region codes raise ProvisioningError naming them."""
    import phonenumbers
    codes = [c.strip().upper() for c in text.replace("،", ",").replace(" ", ",").split(",") if c.strip()]
    unknown = [c for c in codes if c not in phonenumbers.SUPPORTED_REGIONS]
    if unknown or not codes:
        raise ProvisioningError(f"unknown country codes: {', '.join(unknown) or '(none given)'}")
    return ",".join(dict.fromkeys(codes))


def _check_service_fields(fields):
    for field, (low, high) in SERVICE_LIMITS.items():
        if field in fields and not low <= int(fields[field]) <= high:
            raise ProvisioningError(f"{field} must be between {low} and {high}")
    if "allowed_countries" in fields:
        fields["allowed_countries"] = normalise_countries(fields["allowed_countries"])
    return fields


SERVICE_EDITABLE = ("name", *SERVICE_LIMITS, "allowed_countries", "mobile_only", "webhook_url")


def update_service(service, **fields):
    """Change a service's settings under the same limits as create_service."""
    unknown = set(fields) - set(SERVICE_EDITABLE)
    if unknown:
        raise ProvisioningError(f"not editable: {', '.join(sorted(unknown))}")
    if "name" in fields:
        _check_name_free(service.account_id, fields["name"], service.id)
    for field, value in _check_service_fields(fields).items():
        setattr(service, field, value)
    db.session.flush()
    return service


def set_service_status(service, status):
    if status not in ("active", "suspended"):
        raise ProvisioningError(f"unknown service status {status}")
    service.status = status
