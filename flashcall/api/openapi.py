"""The OpenAPI 3.1 document of /api/v1, written as data; tests hold real responses against it."""
from ..models.call import CODE_LIVE, FINAL, PENDING
from ..verification.errors import ERRORS

# Codes answered by the API besides the engine's: request limits and generic HTTP errors.
HTTP_CODES = ("rate_limited", "method_not_allowed", "internal_error", "temporarily_unavailable")
ERROR_CODES = sorted(set(ERRORS) | set(HTTP_CODES))
CALL_STATUSES = list(PENDING + CODE_LIVE + FINAL)
# Shown in every document; rate limits apply to every authenticated endpoint.
# (A malformed path or an oversized body is invalid_parameters; a database that cannot answer is
# temporarily_unavailable with Retry-After.)
COMMON = {400: ("invalid_parameters",), 401: ("invalid_key",), 413: ("invalid_parameters",),
          429: ("rate_limited",), 503: ("temporarily_unavailable",)}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind, **extra):
    return {"type": [kind, "null"], **extra}


TIME = {"type": "string", "format": "date-time"}

SCHEMAS = {
    "Event": {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "at", "detail"],
        "properties": {
            "kind": {"type": "string", "examples": ["queued", "dialing", "ringing", "delivered"]},
            "at": TIME,
            "detail": _nullable("string"),
        },
    },
    "Call": {
        "type": "object",
        "description": "One verification call. The code (the caller number's last digits) is never included.",
        "additionalProperties": False,
        "required": ["id", "status", "phone", "code_length", "created_at", "dialed_at", "ringing_at",
                     "ended_at", "verified_at", "expires_at", "attempts", "attempts_left",
                     "failure_reason", "retry_of", "cost", "events"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "status": {"type": "string", "enum": CALL_STATUSES},
            "phone": {"type": "string", "description": "The verified phone in E.164.", "examples": ["+989121234567"]},
            "code_length": {"type": "integer", "minimum": 3, "maximum": 6},
            "created_at": TIME,
            "dialed_at": _nullable("string", format="date-time"),
            "ringing_at": _nullable("string", format="date-time"),
            "ended_at": _nullable("string", format="date-time"),
            "verified_at": _nullable("string", format="date-time"),
            "expires_at": TIME,
            "attempts": {"type": "integer", "minimum": 0},
            "attempts_left": {"type": "integer", "minimum": 0},
            "failure_reason": _nullable("string"),
            "retry_of": _nullable("string", format="uuid"),
            "cost": {"type": "integer", "description": "Rial charged for this call."},
            "events": {"type": "array", "items": _ref("Event")},
        },
    },
    "Balance": {
        "type": "object",
        "additionalProperties": False,
        "required": ["service_balance", "account_balance", "credit_limit", "reserved", "available", "unit"],
        "properties": {
            "service_balance": {"type": "integer", "description": "This service's credit in Rial."},
            "account_balance": {"type": "integer", "description": "The account's total credit in Rial."},
            "credit_limit": {"type": "integer", "description": "The lowest total the account may reach: zero or negative (Rial)."},
            "reserved": {"type": "integer", "description": "Rial held by this account's calls in flight."},
            "available": {"type": "integer", "description": "What new calls may still reserve: total − reserved − limit (Rial)."},
            "unit": {"type": "string", "const": "IRR"},
        },
    },
    "Error": {
        "type": "object",
        "additionalProperties": False,
        "required": ["status", "code", "message"],
        "properties": {
            "status": {"type": "string", "const": "error"},
            "code": {"type": "string", "enum": ERROR_CODES},
            "message": {"type": "string", "description": "Localised: Persian, or English with Accept-Language: en."},
            "field": {"type": "string", "description": "The offending parameter (invalid_parameters)."},
            "retry_after": {"type": "integer", "description": "Seconds to wait (429)."},
            "attempts_left": {"type": "integer", "description": "Code checks left (invalid_code)."},
        },
    },
    "PhoneRequest": {
        "type": "object", "additionalProperties": False, "required": ["phone"],
        "properties": {"phone": {"type": "string", "description": "Persian, Arabic or Latin digits; +98…, 0098…, 09…",
                                 "examples": ["09121234567"]}},
    },
    "CodeRequest": {
        "type": "object", "additionalProperties": False, "required": ["code"],
        "properties": {"code": {"type": "string", "examples": ["4821"]}},
    },
    "PhoneCodeRequest": {
        "type": "object", "additionalProperties": False, "required": ["phone", "code"],
        "properties": {"phone": {"type": "string"}, "code": {"type": "string"}},
    },
    "EmptyRequest": {"type": "object", "additionalProperties": False, "maxProperties": 0},
}
# A call as GET /calls lists it: everything but the timeline (GET /calls/{id} has that).
SCHEMAS["CallSummary"] = {
    **SCHEMAS["Call"],
    "description": "One verification call, without its events.",
    "required": [name for name in SCHEMAS["Call"]["required"] if name != "events"],
    "properties": {name: value for name, value in SCHEMAS["Call"]["properties"].items() if name != "events"},
}
SCHEMAS["CallList"] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["calls", "next_cursor"],
    "properties": {
        "calls": {"type": "array", "items": _ref("CallSummary"), "description": "Newest first."},
        "next_cursor": _nullable("string", description="Pass as 'cursor' (with the same filters) for the "
                                                        "next, older page; null on the last page."),
    },
}
LIST_PARAMETERS = [
    {"name": "status", "in": "query", "required": False, "schema": {"type": "string", "enum": CALL_STATUSES}},
    {"name": "from", "in": "query", "required": False,
     "description": "Calls created at or after: ISO 8601 date-time (UTC without an offset) or a date "
                    "(midnight Asia/Tehran).",
     "schema": {"type": "string", "examples": ["2024-05-01T00:00:00Z", "2024-05-01"]}},
    {"name": "to", "in": "query", "required": False, "description": "Calls created before (exclusive); as 'from'.",
     "schema": {"type": "string"}},
    {"name": "phone", "in": "query", "required": False,
     "description": "The start of the phone number in any form (0912…, +98912…, Persian digits).",
     "schema": {"type": "string", "examples": ["0912123"]}},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
    {"name": "cursor", "in": "query", "required": False, "description": "next_cursor of the previous page.",
     "schema": {"type": "string"}},
]


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def _ok(description, schema_name):
    return {"description": description, **_json(_ref(schema_name))}


def _error(status, codes):
    response = {
        "description": ", ".join(codes),
        **_json({"allOf": [_ref("Error"), {"properties": {"code": {"enum": list(codes)}}}]}),
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
    return response


def _responses(success_status, description, schema_name, **errors):
    """errors: e{status}=codes, merged with the common 401/429 answers."""
    by_status = {status: list(codes) for status, codes in COMMON.items()}
    for name, codes in errors.items():
        by_status.setdefault(int(name[1:]), []).extend(codes)
    responses = {str(success_status): _ok(description, schema_name)}
    responses.update({str(status): _error(status, list(dict.fromkeys(codes)))
                      for status, codes in sorted(by_status.items())})
    return responses


def _operation(op_id, summary, responses, body=None, idempotent=False):
    operation = {"operationId": op_id, "summary": summary, "security": [{"accessKey": []}],
                 "responses": responses}
    if body:
        operation["requestBody"] = {"required": body != "EmptyRequest", **_json(_ref(body))}
    if idempotent:
        operation["parameters"] = [{
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "The same key and body within 24 h answers the first response and places no second call.",
            "schema": {"type": "string", "maxLength": 255}}]
    return operation


CALL_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
BAD_BODY = ("invalid_parameters",)
NOT_FOUND = ("not_found",)


def _list_operation():
    operation = _operation("listCalls", "List this service's calls, newest first, a page at a time",
                           _responses(200, "A page of calls", "CallList", e400=BAD_BODY))
    operation["parameters"] = LIST_PARAMETERS
    return operation


def _paths():
    return {
        "/calls": {"get": _list_operation(), "post": _operation(
            "startCall", "Start a verification call", idempotent=True, body="PhoneRequest",
            responses=_responses(
                201, "The call, queued", "Call", e400=BAD_BODY, e402=("insufficient_credit",),
                e403=("service_disabled",), e409=("call_still_active",),
                e422=("direction_not_allowed", "idempotency_mismatch"),
                e429=("interval_limit", "daily_limit"), e503=("gateway_unavailable",)))},
        "/calls/{id}": {
            "parameters": CALL_ID,
            "get": _operation("getCall", "A call's status, timestamps and events",
                              _responses(200, "The call", "Call", e404=NOT_FOUND)),
            "delete": _operation("cancelCall", "Cancel a call that has not rung yet",
                                 _responses(200, "The canceled call", "Call", e404=NOT_FOUND,
                                            e409=("call_still_active",))),
        },
        "/calls/{id}/verify": {"parameters": CALL_ID, "post": _operation(
            "verifyCall", "Check the code of a call", body="CodeRequest",
            responses=_verify_responses(e404=NOT_FOUND + ("code_not_found",)))},
        "/verify": {"post": _operation(
            "verifyPhone", "Check a code against the latest call to a phone", body="PhoneCodeRequest",
            responses=_verify_responses(e404=("code_not_found",)))},
        "/calls/{id}/retry": {"parameters": CALL_ID, "post": _operation(
            "retryCall", "Call again from a different number", body="EmptyRequest",
            responses=_responses(
                201, "The new call", "Call", e400=BAD_BODY, e402=("insufficient_credit",),
                e403=("service_disabled",), e404=NOT_FOUND, e409=("call_still_active", "already_retried"),
                e422=("direction_not_allowed",), e429=("interval_limit", "daily_limit"),
                e503=("gateway_unavailable",)))},
        "/balance": {"get": _operation("getBalance", "Credit of the service and the account",
                                       _responses(200, "The balances", "Balance"))},
        "/openapi.json": {"get": {"operationId": "getOpenAPI", "summary": "This document", "security": [],
                                  "responses": {"200": {"description": "OpenAPI 3.1",
                                                        **_json({"type": "object"})},
                                                "429": _error(429, ("rate_limited",))}}},
    }


def _verify_responses(**errors):
    return _responses(200, "The verified call", "Call", e400=BAD_BODY, e410=("code_expired",), e422=("invalid_code",),
                      e429=("attempts_exhausted",), **errors)


def document():
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Flashcall API",
            "version": "1.0.0",
            "description": "Phone verification by flash call: the last digits of the caller number are the code.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"accessKey": {"type": "http", "scheme": "bearer",
                                              "description": "The access key PUBLICID.SECRET"}},
        },
    }
