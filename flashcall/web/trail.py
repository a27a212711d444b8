"""Dashboard actions into the audit log, with the signed-in user and the client's address."""
from flask import request
from flask_login import current_user

from .. import audit


def client_address():
    """The client's address (the real one behind FLASHCALL_TRUSTED_PROXIES proxies)."""
    return request.remote_addr or "-"


def audited(action, target=None, *, actor=None, account_id=None, **detail):
    """Record `action` by `actor` (default: the signed-in user) from this request's address.
    Does not commit: the entry is written with the change it describes."""
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    return audit.record(action, actor=actor, account_id=account_id, target=target, ip=client_address(), **detail)
