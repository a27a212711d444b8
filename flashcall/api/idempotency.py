"""Idempotency-Key: the same key and body within 24 h gets the first answer, and no second call.

The record is inserted (and committed) before the work starts, so a concurrent duplicate hits
the unique (service_id, key) constraint and waits for the first request's stored answer.
Only final outcomes are kept (a created call, a request that can never succeed); a refusal that
time can lift (a limit, credit, a suspended service, a busy gateway) is answered and forgotten,
so the same request may be tried again.
"""
import hashlib
import json
import time
from datetime import timedelta
from functools import wraps

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..db import db
from ..dispatch.retention import IDEMPOTENCY_KEEP
from ..http import bodies
from ..models import IdempotencyRecord
from ..verification.errors import VerificationError
from .params import raw_body
from .responses import error_response

KEEP = IDEMPOTENCY_KEEP  # the worker purges older records
ABANDONED = timedelta(seconds=60)  # a record with no answer this old belongs to a dead request
WAIT_SECONDS = 10
POLL_SECONDS = 0.05
MAX_KEY_LENGTH = 255
# Statuses that are the request's final outcome: the call was created, or the request is wrong.
FINAL_STATUSES = {201, 400, 422}


def idempotent(view):
    """Wraps a key_required view; without an Idempotency-Key header it runs as is."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        record, replay = _claim(g.service.id, _checked(key), _digest())
        if replay is not None:
            return replay
        return _answer_and_store(record, view, args, kwargs)
    return wrapped


def _checked(key):
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise VerificationError("invalid_parameters", field="Idempotency-Key",
                                message=_("Idempotency-Key must be 1 to 255 characters."))
    return key


def _digest():
    """SHA-256 of the body: of its canonical JSON when it parses, else of its bytes."""
    data = raw_body()
    try:
        data = json.dumps(bodies.loads(data), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        pass
    return hashlib.sha256(data).hexdigest()


def _claim(service_id, key, digest):
    """(our new record, None) or (None, the stored first answer)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = db.session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.service_id == service_id, IdempotencyRecord.key == key))
        if record is None or _outdated(record):
            mine = _insert(record, service_id, key, digest)
            if mine is not None:
                return mine, None
            continue
        if record.request_hash != digest:
            raise VerificationError("idempotency_mismatch")
        if record.response_status is not None:
            return None, _replay(record)
        if time.monotonic() > deadline:
            raise VerificationError("call_still_active", message=_(
                "A request with this Idempotency-Key is still being processed. Try again shortly."))
        db.session.rollback()  # end the transaction so the next look sees the other commit
        time.sleep(POLL_SECONDS)


def _outdated(record):
    age = utcnow() - record.created_at
    return age > KEEP or (record.response_status is None and age > ABANDONED)


def _insert(old, service_id, key, digest):
    """Replace `old` (if any) by a fresh record; None when another request got there first."""
    try:
        if old is not None:
            db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == old.id))
            db.session.expunge(old)
        record = IdempotencyRecord(service_id=service_id, key=key, request_hash=digest)
        db.session.add(record)
        db.session.commit()
        return record
    except IntegrityError:
        db.session.rollback()
        return None


def _answer_and_store(record, view, args, kwargs):
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except VerificationError as error:
        db.session.rollback()
        response = error_response(error)
    except Exception:
        db.session.rollback()
        _forget(record)  # no answer was given, so a retry with this key may try again
        raise
    if response.status_code not in FINAL_STATUSES:
        _forget(record)
        return response
    record.response_status = response.status_code
    record.response_body = response.get_data(as_text=True)
    db.session.commit()
    return response


def _forget(record):
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
    db.session.commit()


def _replay(record):
    response = current_app.response_class(record.response_body, status=record.response_status,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    body = json.loads(record.response_body)
    if record.response_status == 201:
        response.headers["Location"] = url_for("api.show_call", call_id=body["id"])
    return response
