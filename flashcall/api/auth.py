"""Access-key authentication for the API: `Authorization: Bearer PUBLICID.SECRET`."""
from datetime import timedelta
from functools import wraps

from flask import g, request
from flask_limiter.util import get_remote_address
from sqlalchemy import update

from ..clock import utcnow
from ..accounts import authenticate_token
from ..accounts.keys import note_use
from ..db import commit_or_rollback, db
from ..models import AccessKey
from ..verification.errors import VerificationError

# last_used_at is shown to the minute; writing it on every request would only add load.
TOUCH_EVERY = timedelta(seconds=60)


def bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def key_required(view):
    """Sets g.key and g.service from the bearer key; invalid_key (401) otherwise."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        key = authenticate_token(bearer_token())
        if key is None:
            raise VerificationError("invalid_key")
        _touch(key)
        g.key, g.service = key, key.service
        return view(*args, **kwargs)
    return wrapped


def _touch(key):
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        key_id, public_id = key.id, key.public_id
        commit_or_rollback(lambda: db.session.execute(
            update(AccessKey).where(AccessKey.id == key_id).values(last_used_at=now)))
        note_use(public_id, now)


def limit_key():
    """Rate-limit bucket per key: the bearer's public id (the address when there is none)."""
    public_id = bearer_token().partition(".")[0]
    return f"key:{public_id}" if public_id else f"anon:{get_remote_address()}"


def limit_address():
    return f"ip:{get_remote_address()}"
