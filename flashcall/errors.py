"""Error pages in the user's language, answered as JSON to JSON clients."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def wants_json():
    if request.path.startswith(("/api/", "/telphin")):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("The page you asked for was not found."),
    405: lambda: _("This method is not allowed here."),
    413: lambda: _("The request is too large."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Please try again."),
}
CODES = {400: "invalid_parameters", 401: "invalid_key", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 413: "invalid_parameters", 429: "rate_limited", 500: "internal_error"}


def _handle(exc):
    status = exc.code if isinstance(exc, HTTPException) and exc.code else 500
    if status < 400:
        return exc
    message = MESSAGES.get(status, MESSAGES[500])()
    if wants_json():
        response = jsonify(status="error", code=CODES.get(status, "error"), message=message)
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def _handle_unexpected(exc):
    from flask import current_app
    from .extensions import db
    db.session.rollback()
    current_app.logger.exception("unhandled error")
    return _handle(exc)


def register(app):
    app.register_error_handler(HTTPException, _handle)
    app.register_error_handler(Exception, _handle_unexpected)
