"""Access keys: issuing them (the secret shown once, stored as a hash), authenticating, revoking."""
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..clock import utcnow
from ..db import db
from ..models import AccessKey
from .errors import DuplicateNameError
from .services import same_name


def _hash_secret(secret):
    # Secrets are 32 random bytes, so one SHA-256 is as strong as a slow hash and keeps API auth fast.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(service, label):
    """A new key; returns (AccessKey, 'PUBLICID.SECRET'). The full string is never stored.
    Its label must differ from the service's other live keys' (a revoked key's label can be reused)."""
    taken = select(AccessKey.id).where(AccessKey.service_id == service.id, AccessKey.revoked_at.is_(None),
                                       same_name(AccessKey.label, label))
    if db.session.scalar(taken.limit(1)) is not None:
        raise DuplicateNameError(f"the service already has a live key labelled {label.strip()!r}")
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
