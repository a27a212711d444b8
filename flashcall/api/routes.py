"""The /api/v1 endpoints: parse → engine call → JSON."""
from flask import current_app, g, jsonify, url_for

from ..billing import balance
from ..reports import pages
from ..reports.errors import ReportError
from ..verification import (VerificationError, cancel_call, find_call, retry_call, start_call,
                            verify_owned, verify_phone)
from . import bp, openapi
from .auth import key_required
from .idempotency import idempotent
from .listing import invalid, list_query
from .params import json_body
from .serializers import balance_json, call_json


def owned_call(call_id):
    """This service's call, or not_found (404) — other services' ids reveal nothing."""
    call = find_call(g.service, call_id)
    if call is None:
        raise VerificationError("not_found")
    return call


def created(call):
    response = jsonify(call_json(call))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_call", call_id=call.id)
    return response


@bp.post("/calls")
@key_required
@idempotent
def create_call():
    body = json_body("phone")
    return created(start_call(g.service, body["phone"], key=g.key, source="api"))


@bp.get("/calls")
@key_required
def list_calls():
    criteria, limit, cursor = list_query(g.service)
    try:
        page = pages.page(criteria, current_app.config["SECRET_KEY"], cursor, size=limit)
    except ReportError as error:
        raise invalid(error.field, error.message) from None
    return jsonify(calls=[call_json(call, events=False) for call in page.calls], next_cursor=page.older)


@bp.get("/calls/<call_id>")
@key_required
def show_call(call_id):
    return jsonify(call_json(owned_call(call_id)))


@bp.post("/calls/<call_id>/verify")
@key_required
def verify(call_id):
    body = json_body("code")
    return jsonify(call_json(verify_owned(g.service, call_id, body["code"])))


@bp.post("/verify")
@key_required
def verify_by_phone():
    body = json_body("phone", "code")
    return jsonify(call_json(verify_phone(g.service, body["phone"], body["code"])))


@bp.post("/calls/<call_id>/retry")
@key_required
def retry(call_id):
    json_body()
    return created(retry_call(owned_call(call_id), key=g.key, source="api"))


@bp.delete("/calls/<call_id>")
@key_required
def cancel(call_id):
    return jsonify(call_json(cancel_call(owned_call(call_id))))


@bp.get("/balance")
@key_required
def show_balance():
    return jsonify(balance_json(balance(g.service)))


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())
