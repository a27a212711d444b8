"""POST /telphin/ (place a call) and POST /telphin/auth/ (check the code), answered in seed 002's shapes.

Every answer is HTTP 200 with a JSON body: seed 002 tells success from failure only by "status",
so its clients read the body whatever happens; a 4xx could make them report a network error instead.
That holds for refusals before the engine too: a malformed, oversized or too deeply nested body is
parameters_error, too many requests is too_many_requests (with Retry-After), and a database that
cannot answer is service_is_not_connected (with Retry-After).
"""
import json
import time

from flask import Response, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .. import verification
from ..accounts import authenticate_key
from ..db import db
from ..digits import to_latin
from ..extensions import limiter
from ..http import bodies
from ..http.errors import UNAVAILABLE_RETRY_AFTER
from ..verification.errors import VerificationError
from . import bp

MAX_BODY = 16 * 1024
CACHE = "flashcall.compat.body"


def _answer(**fields):
    """Compact JSON in seed 002's key order (Flask's jsonify would sort the keys)."""
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json")


def _error(name):
    return _answer(status="error", description=name)


def compat_name(error, placing_call):
    """The seed-002 name for an engine error; a malformed number is its 'direction_error' when calling."""
    if placing_call and error.code == "invalid_parameters" and error.fields.get("field") == "phone":
        return "direction_error"
    return error.compat_name


def _body():
    """The JSON body as a dict (read once, at most 16 KB), or None if it is not a reasonable one."""
    if CACHE not in request.environ:
        data = request.get_data(cache=True) if (request.content_length or 0) <= MAX_BODY else b""
        try:
            body = bodies.loads(data) if data and len(data) <= MAX_BODY else None
        except ValueError:
            body = None
        request.environ[CACHE] = body if isinstance(body, dict) else None
    return request.environ[CACHE]


def _params(*names):
    """The body's string parameters, or None if one is missing or not a non-empty string."""
    body = _body()
    if body is None:
        return None
    values = [body.get(name) for name in names]
    if not all(isinstance(v, str) and v.strip() and "\x00" not in v for v in values):
        return None
    return [v.strip() for v in values]


def limit_key():
    """Rate-limit bucket per key: the body's app_id (the client's address when there is none)."""
    app_id = (_body() or {}).get("app_id")
    if isinstance(app_id, str) and app_id.strip() and "\x00" not in app_id:
        return f"compat-key:{app_id.strip()[:64]}"
    return f"compat-anon:{get_remote_address()}"


def limit_address():
    return f"compat-ip:{get_remote_address()}"


def _retry_later(name, seconds):
    response = _error(name)
    response.headers["Retry-After"] = str(max(1, int(seconds)))
    return response


@bp.errorhandler(HTTPException)
def _refused(error):
    """Refusals before the engine, in seed 002's shape (still HTTP 200)."""
    db.session.rollback()
    if isinstance(error, RateLimitExceeded):
        current = limiter.current_limit
        return _retry_later("too_many_requests", current.reset_at - time.time() if current else 60)
    return _error("parameters_error")


@bp.errorhandler(OperationalError)
def _unavailable(_error_):
    db.session.rollback()
    return _retry_later("service_is_not_connected", UNAVAILABLE_RETRY_AFTER)


@bp.post("/", strict_slashes=False)
def call():
    params = _params("app_id", "app_secret", "number")
    if params is None:
        return _error("parameters_error")
    key = authenticate_key(*params[:2])
    if key is None:
        return _error("invalid_client")
    try:
        placed = verification.start_call(key.service, params[2], key=key, source="compat")
    except VerificationError as error:
        return _error(compat_name(error, placing_call=True))
    return _answer(status="succes", number=placed.phone)


@bp.post("/auth/", strict_slashes=False)
def auth():
    params = _params("app_id", "app_secret", "number", "auth_code")
    if params is None:
        return _error("parameters_error")
    key = authenticate_key(*params[:2])
    if key is None:
        return _error("invalid_client")
    try:
        verified = verification.verify_phone(key.service, params[2], params[3])
    except VerificationError as error:
        return _error(compat_name(error, placing_call=False))
    return _answer(status="succes", number=verified.phone, auth_code=to_latin(params[3]))
