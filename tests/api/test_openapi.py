"""The OpenAPI document is served, is well formed, and covers exactly the routes and error codes."""
import json
import re

from jsonschema import Draft202012Validator

from flashcall.api.openapi import ERROR_CODES
from flashcall.verification.errors import ERRORS

from .conformance import check


def test_document_is_served_without_a_key(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    check("GET", "/api/v1/openapi.json", 200, document)


def test_every_api_route_is_documented_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in document["paths"].items()
                  for method in item if method != "parameters"}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "{id}", rule.rule[len("/api/v1"):])
            served |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


def test_every_error_code_is_in_the_error_schema(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(ERRORS) <= set(document["components"]["schemas"]["Error"]["properties"]["code"]["enum"])
    assert "rate_limited" in ERROR_CODES


def test_schemas_are_valid_and_every_reference_resolves(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    text = json.dumps(document)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', text)):
        assert ref in document["components"]["schemas"], ref


def test_every_operation_documents_its_error_statuses_with_the_error_shape(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "429" in operation["responses"], (method, path)
            if operation["security"]:
                assert "401" in operation["responses"], (method, path)


def test_a_response_outside_the_document_fails_the_check():
    import pytest
    with pytest.raises(AssertionError):
        check("GET", "/api/v1/balance", 418, {})
    with pytest.raises(AssertionError):
        check("GET", "/api/v1/balance", 200, {"service_balance": "lots"})
    with pytest.raises(AssertionError):
        check("GET", "/api/v1/calls/x", 404, {"status": "error", "code": "invalid_code", "message": "m"})
