"""The one JSON error response of the API, and the blueprint's error handlers that use it."""
import time

from flask import jsonify
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from .. import errors as pages
from ..extensions import db, limiter
from ..verification.errors import VerificationError
from . import bp


def error_response(error):
    """{"status": "error", "code", "message", …fields} for a VerificationError or an HTTP error;
    429s carry retry_after and a Retry-After header."""
    if isinstance(error, VerificationError):
        status, code, message, fields = error.http_status, error.code, error.message, dict(error.fields)
    else:
        status = error.code or 500
        code = pages.CODES.get(status, "error")
        message, fields = pages.MESSAGES.get(status, pages.MESSAGES[500])(), {}
        if isinstance(error, RateLimitExceeded):
            fields["retry_after"] = _limit_retry_after()
    response = jsonify(status="error", code=code, message=message, **fields)
    response.status_code = status
    if status == 429 and fields.get("retry_after") is not None:
        response.headers["Retry-After"] = str(int(fields["retry_after"]))
    return response


def _limit_retry_after():
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time())) if current else 60


@bp.errorhandler(VerificationError)
@bp.errorhandler(HTTPException)
def _handle(error):
    db.session.rollback()  # nothing half-written survives a refused request
    return error_response(error)
