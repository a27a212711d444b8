"""The one error body, {"status": "error", "code", "message", …fields}, for every JSON answer, and
the app's error handlers: JSON to JSON clients (the API, anything asking for JSON), a page otherwise.
The seed-002 endpoint keeps its own shape (flashcall.compat)."""
from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException

from ..db import db
from .paths import is_json_face

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("The page you asked for was not found."),
    405: lambda: _("This method is not allowed here."),
    413: lambda: _("The request is too large."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Please try again."),
    503: lambda: _("The service is briefly unavailable. Please try again in a few seconds."),
}
CODES = {400: "invalid_parameters", 401: "invalid_key", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "invalid_parameters", 429: "rate_limited", 500: "internal_error",
         503: "temporarily_unavailable"}
# Seconds a client is asked to wait when the database cannot answer (locked past the busy timeout,
# full disk, server down).
UNAVAILABLE_RETRY_AFTER = 5


def error_response(status, code, message, **fields):
    """The JSON error answer; a 429 or 503 with retry_after also gets a Retry-After header."""
    response = jsonify(status="error", code=code, message=str(message), **fields)
    response.status_code = status
    if status in (429, 503) and fields.get("retry_after") is not None:
        response.headers["Retry-After"] = str(int(fields["retry_after"]))
    return response


def http_status(exc):
    return exc.code if isinstance(exc, HTTPException) and exc.code else 500


def message_for(exc):
    """What a person is told about an HTTP error: by its status, except for an expired form, which
    needs a reload rather than a fix to the request."""
    if isinstance(exc, CSRFError):
        return _("This form has expired (for example after a long wait, or signing in again elsewhere). Reload the page and try again.")
    return MESSAGES.get(http_status(exc), MESSAGES[500])()


def http_error_response(exc, **fields):
    """The JSON error answer for an HTTP error (404, 405, 413, 429 …)."""
    status = http_status(exc)
    return error_response(status, CODES.get(status, "error"), message_for(exc), **fields)


def wants_json():
    if is_json_face(request.path):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def with_allow(response, exc):
    """A 405 says which methods the URL takes."""
    methods = getattr(exc, "valid_methods", None)
    if methods:
        response.headers["Allow"] = ", ".join(sorted(methods))
    return response


def _handle(exc):
    status = http_status(exc)
    if status < 400:
        return exc
    if wants_json():
        return with_allow(http_error_response(exc), exc)
    page = current_app.make_response((render_template("errors/error.html", status=status, message=message_for(exc),
                                                      reload=isinstance(exc, CSRFError)), status))
    return with_allow(page, exc)


def unavailable_response():
    """503 with Retry-After: JSON for JSON clients, otherwise the error page, drawn without the
    database (as for nobody signed in: the user would be read from it)."""
    # Nobody is signed in for this answer: loading the user (language, templates) would ask the database.
    g._login_user = current_app.login_manager.anonymous_user()
    if wants_json():
        return error_response(503, CODES[503], MESSAGES[503](), retry_after=UNAVAILABLE_RETRY_AFTER)
    page = render_template("errors/error.html", status=503, message=MESSAGES[503]())
    response = current_app.make_response((page, 503))
    response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def _handle_unexpected(exc):
    db.session.rollback()
    if isinstance(exc, OperationalError):  # locked past the busy timeout, disk full, server away
        current_app.logger.warning("database unavailable: %s", exc.orig)
        return unavailable_response()
    if isinstance(exc, (DataError, OverflowError)):  # a value the database refuses (out of range …): the request's fault
        return _handle(BadRequest())
    current_app.logger.exception("unhandled error")
    return _handle(exc)


def register(app):
    app.register_error_handler(HTTPException, _handle)
    app.register_error_handler(Exception, _handle_unexpected)
