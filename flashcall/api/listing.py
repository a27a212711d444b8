"""GET /api/v1/calls: the query parameters of the call list, read strictly into report Criteria."""
from flask import request
from flask_babel import gettext as _

from ..reports import filters
from ..reports.errors import ReportError
from ..verification.errors import VerificationError

PARAMETERS = ("status", "from", "to", "phone", "limit", "cursor")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def invalid(field, message):
    return VerificationError("invalid_parameters", message=message, field=field)


def list_query(service):
    """(criteria, limit, cursor) of this service's call list; invalid_parameters (400) on bad input."""
    for name in request.args:
        if name not in PARAMETERS:
            raise invalid(name, _("Unknown parameter: %(field)s.", field=name))
    try:
        criteria = filters.from_api(filters.Scope.of_service(service), service.id, request.args)
    except ReportError as error:
        raise invalid(error.field, error.message) from None
    return criteria, _limit(request.args.get("limit")), request.args.get("cursor") or None


def _limit(text):
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise invalid("limit", _("'limit' must be a whole number from 1 to %(most)s.", most=MAX_LIMIT))
    return int(text)
