"""POST /telphin/ (place a call) and POST /telphin/auth/ (check the code), answered in seed 002's shapes.

Every answer is HTTP 200 with a JSON body: seed 002 tells success from failure only by "status",
so its clients read the body whatever happens; a 4xx could make them report a network error instead.
"""
import json

from flask import Response, request

from .. import verification
from ..accounts import authenticate_key
from ..digits import to_latin
from ..verification.errors import VerificationError
from . import bp


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


def _params(*names):
    """The body's string parameters, or None if one is missing or not a non-empty string."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return None
    values = [body.get(name) for name in names]
    if not all(isinstance(v, str) and v.strip() for v in values):
        return None
    return [v.strip() for v in values]


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
