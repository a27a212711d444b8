"""Keyset positions as opaque, tamper-evident cursors: a call's (created_at, id) and a direction,
signed with the app's secret, so a changed cursor is refused rather than trusted."""
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from ..translation import lazy as _l
from .errors import ReportError

SALT = "flashcall.reports.cursor"
OLDER, NEWER = "o", "n"


def _serializer(secret):
    return URLSafeSerializer(secret, salt=SALT)


def sign(secret, created_at, call_id, direction):
    return _serializer(secret).dumps([created_at.isoformat(), call_id, direction])


def read(secret, token):
    """(created_at, call id, direction) of a cursor; ReportError when it was altered or is not one."""
    try:
        moment, call_id, direction = _serializer(secret).loads(token)
        if direction not in (OLDER, NEWER) or not isinstance(call_id, str):
            raise ValueError(direction)
        return datetime.fromisoformat(moment), call_id, direction
    except (BadSignature, ValueError, TypeError):
        raise ReportError("cursor", _l("This page link is not valid. Go back to the first page.")) from None
