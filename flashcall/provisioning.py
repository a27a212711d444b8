"""Creating accounts, users, services and access keys: shared by the CLI and the dashboard."""
import hashlib
import hmac
import secrets

from sqlalchemy import select

from .clock import utcnow
from .extensions import db
from .models import AccessKey, Account, Gateway, NumberBlock, Service, User

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


def create_user(account, email, password, role):
    email = email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise ProvisioningError(f"a user with email {email} already exists")
    user = User(account=account, email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def create_service(account, name, **fields):
    for field, (low, high) in SERVICE_LIMITS.items():
        if field in fields and not low <= int(fields[field]) <= high:
            raise ProvisioningError(f"{field} must be between {low} and {high}")
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
    key = db.session.scalar(select(AccessKey).where(AccessKey.public_id == public_id))
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
