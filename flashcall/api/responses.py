"""The one JSON error response of the API, and the blueprint's error handlers that use it."""
import time

from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from ..db import db
from ..extensions import limiter
from ..http.errors import error_response as json_error, http_error_response
from ..verification.errors import VerificationError
from . import bp


def error_response(error):
    """The error body for a VerificationError or an HTTP error; 429s carry retry_after."""
    if isinstance(error, VerificationError):
        return json_error(error.http_status, error.code, error.message, **error.fields)
    if isinstance(error, RateLimitExceeded):
        return http_error_response(error, retry_after=_limit_retry_after())
    return http_error_response(error)


def _limit_retry_after():
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time())) if current else 60


@bp.errorhandler(VerificationError)
@bp.errorhandler(HTTPException)
def _handle(error):
    db.session.rollback()  # nothing half-written survives a refused request
    return error_response(error)
