"""Creating accounts, users, services and access keys: shared by the CLI and the dashboard."""
import hashlib
import hmac
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .clock import utcnow
from .extensions import db
from .models import AccessKey, Account, Gateway, NumberBlock, Service, User
from .models.account import ROLES

# The simulator's default caller numbers: six free digits, enough for codes of 3 to 6 digits.
DEFAULT_SIM_BLOCK = "+9821910XXXXXX"

SERVICE_LIMITS = {
    "code_length": (3, 6),
    "code_lifetime_minutes": (1, 60),
    "max_attempts": (1, 10),
    "min_interval_seconds": (0, 86400),
    "daily_limit": (1, 1000),
}


class ProvisioningError(ValueError):
    """A value outside what the product accepts; str() is the (English) reason."""


def create_account(name, owner_email, owner_password, operator=False):
    email = owner_email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise ProvisioningError(f"a user with email {email} already exists")
    if len(owner_password) < 8:
        raise ProvisioningError("the password must be at least 8 characters")
    account = Account(name=name)
    user = User(account=account, email=email, role="owner", is_operator=operator)
    user.set_password(owner_password)
    db.session.add_all([account, user])
    db.session.flush()
    return user


def create_user(account, email, password, role, operator=False):
    if role not in ROLES:
        raise ProvisioningError(f"unknown role {role}")
    email = email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise ProvisioningError(f"a user with email {email} already exists")
    user = User(account=account, email=email, role=role, is_operator=operator)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def create_service(account, name, **fields):
    _check_service_fields(fields)
    service = Service(account=account, name=name, webhook_secret=new_webhook_secret(), **fields)
    db.session.add(service)
    db.session.flush()
    return service


def new_webhook_secret():
    return "whsec_" + secrets.token_urlsafe(24)


def _hash_secret(secret):
    # Secrets are 32 random bytes, so one SHA-256 is as strong as a slow hash and keeps API auth fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(service, label):
    """A new key; returns (AccessKey, 'PUBLICID.SECRET'). The full string is never stored."""
    public_id = "fc_" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32).replace(".", "_")
    key = AccessKey(service=service, label=label, public_id=public_id, secret_hash=_hash_secret(secret))
    db.session.add(key)
    db.session.flush()
    return key, f"{public_id}.{secret}"


def authenticate_key(public_id, secret):
    """The live key matching public id and secret, or None. Touches last_used_at."""
    if not public_id or not secret:
        return None
    # The service comes in the same query: every caller goes on to use it.
    key = db.session.scalar(select(AccessKey).options(joinedload(AccessKey.service))
                            .where(AccessKey.public_id == public_id))
    if key is None or key.is_revoked or not hmac.compare_digest(key.secret_hash, _hash_secret(secret)):
        return None
    return key


def authenticate_token(token):
    """'PUBLICID.SECRET' → live key or None."""
    public_id, _, secret = (token or "").strip().partition(".")
    return authenticate_key(public_id, secret)


def revoke_key(key):
    if key.revoked_at is None:
        key.revoked_at = utcnow()


def ensure_default_gateway():
    """The simulator gateway with its default block, created once."""
    gateway = db.session.scalar(select(Gateway).where(Gateway.is_default.is_(True)))
    if gateway is None:
        gateway = Gateway(name="Simulator", kind="simulator", is_default=True)
        gateway.blocks.append(NumberBlock(pattern=DEFAULT_SIM_BLOCK))
        db.session.add(gateway)
        db.session.flush()
    return gateway


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
    for field, value in _check_service_fields(fields).items():
        setattr(service, field, value)
    db.session.flush()
    return service


def set_service_status(service, status):
    if status not in ("active", "suspended"):
        raise ProvisioningError(f"unknown service status {status}")
    service.status = status


def _other_active_owners(user):
    return db.session.scalar(select(func.count(User.id)).where(
        User.account_id == user.account_id, User.role == "owner", User.active.is_(True), User.id != user.id))


class LastOwnerError(ProvisioningError):
    """The change would leave the account with no active owner."""


def change_role(user, role, operator=None):
    if role not in ROLES:
        raise ProvisioningError(f"unknown role {role}")
    if user.role == "owner" and role != "owner" and not _other_active_owners(user):
        raise LastOwnerError("an account needs at least one active owner")
    user.role = role
    if operator is not None:
        user.is_operator = operator


def set_user_active(user, active):
    if not active and user.role == "owner" and not _other_active_owners(user):
        raise LastOwnerError("an account needs at least one active owner")
    user.active = active
