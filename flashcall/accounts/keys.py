"""Access keys: issuing them (the secret shown once, stored as a hash), authenticating, revoking.

Every API request authenticates, so each process keeps the keys it looked up (with their service)
for `cache_seconds` (the factory sets it from KEY_CACHE_SECONDS, default 2 s): a change to a key or
a service made in this process applies at once (the ORM events below clear the cache), one made in
another process within that time.
"""
import hashlib
import hmac
import secrets
import threading
import time

from sqlalchemy import event, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from ..clock import utcnow
from ..db import db, enter, loaded
from ..models import AccessKey, Service
from .errors import DuplicateNameError
from .services import same_name

_lock = threading.Lock()
_cache = {}  # public id -> (valid until, the key's column values, its service's)
MAX_CACHE_SECONDS = 2.0  # a key revoked in another process stops working within this
cache_seconds = MAX_CACHE_SECONDS


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
    key = _lookup(public_id)
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


def _lookup(public_id):
    """The key (its service loaded) from this process's cache, else from the database."""
    now = time.monotonic()
    entry = _cache.get(public_id)
    if entry is not None and entry[0] > now:
        return _entered(*entry[1:])
    # The service comes in the same query: every caller goes on to use it.
    key = db.session.scalar(select(AccessKey).options(joinedload(AccessKey.service))
                            .where(AccessKey.public_id == public_id).execution_options(populate_existing=True))
    if key is not None and cache_seconds > 0:
        with _lock:
            _cache[public_id] = (now + cache_seconds, _columns(key), _columns(key.service))
    return key


def _columns(instance):
    return {column.key: getattr(instance, column.key) for column in type(instance).__table__.columns}


def _entered(key_values, service_values):
    """The cached key and its service as this session's own objects, entered as loaded: no SQL.
    Already in the session (a command, a test), its objects take the cached values, as merge gives."""
    session = db.session
    service = loaded(Service, service_values)
    key = loaded(AccessKey, key_values, service=service)
    if identity_key(AccessKey, key.id) in session.identity_map or \
            identity_key(Service, key.service_id) in session.identity_map:
        return session.merge(key, load=False)
    enter(key, service)
    return key


def note_use(public_id, moment):
    """The cached key was just used at `moment` (so its last-use is not written again at once)."""
    entry = _cache.get(public_id)
    if entry is not None:
        entry[1]["last_used_at"] = moment


def configure(seconds):
    """How long this process keeps a key (set once by the app factory; 0 to 2 s); forgets the cache."""
    global cache_seconds
    cache_seconds = min(max(float(seconds), 0.0), MAX_CACHE_SECONDS)
    forget()


def forget(*_args):
    with _lock:
        _cache.clear()


for _model in (AccessKey, Service):
    for _name in ("after_update", "after_delete"):
        event.listen(_model, _name, forget)
