"""Strict JSON request bodies: an object of known string fields, at most 16 KB."""
from flask import request
from flask_babel import gettext as _

from ..http import bodies
from ..verification.errors import VerificationError

MAX_BODY = 16 * 1024
CACHE = "flashcall.api.raw_body"


def invalid(field, message):
    return VerificationError("invalid_parameters", message=message, field=field)


def raw_body():
    """The request body, read once (bounded) and kept with the request."""
    if CACHE not in request.environ:
        if (request.content_length or 0) > MAX_BODY:
            raise invalid("body", _("The request body is larger than 16 KB."))
        data = request.stream.read(MAX_BODY + 1)
        if len(data) > MAX_BODY:
            raise invalid("body", _("The request body is larger than 16 KB."))
        request.environ[CACHE] = data
    return request.environ[CACHE]


def parsed_body():
    """The body as a dict; an empty body is {}."""
    data = raw_body()
    if not data.strip():
        return {}
    if request.mimetype != "application/json":
        raise invalid("body", _("The request body must be JSON (Content-Type: application/json)."))
    try:
        body = bodies.loads(data)
    except ValueError:
        raise invalid("body", _("The request body is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise invalid("body", _("The request body must be a JSON object."))
    return body


def json_body(*required):
    """The body's fields, each a required string; unknown, missing or non-string fields are refused."""
    body = parsed_body()
    for name in body:
        if name not in required:
            raise invalid(name, _("Unknown field: %(field)s.", field=name))
    for name in required:
        if name not in body:
            raise invalid(name, _("The field %(field)s is required.", field=name))
        if not isinstance(body[name], str):
            raise invalid(name, _("The field %(field)s must be a string.", field=name))
        if "\x00" in body[name]:
            raise invalid(name, _("The field %(field)s contains a character that is not allowed.", field=name))
    return body
