"""Holds a real API response against the OpenAPI document: its status must be documented there
and its body must match that status's schema."""
import re

from jsonschema import Draft202012Validator

from flashcall.api.openapi import document

PREFIX = "/api/v1"
DOCUMENT = document()


def _escape(part):
    return part.replace("~", "~0").replace("/", "~1")


def template_for(path):
    """/api/v1/calls/abc/verify → /calls/{id}/verify"""
    path = path.split("?")[0][len(PREFIX):]
    for template in DOCUMENT["paths"]:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI document")


def check(method, path, status, body):
    template = template_for(path)
    operation = DOCUMENT["paths"][template].get(method.lower())
    assert operation, f"{method} {template} is not documented"
    assert str(status) in operation["responses"], f"{method} {template} answered undocumented {status}: {body}"
    pointer = "/".join(["#/paths", _escape(template), method.lower(), "responses", str(status),
                        "content", "application~1json", "schema"])
    validator = Draft202012Validator({**DOCUMENT, "$ref": pointer},
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, f"{method} {template} {status} does not match its schema: {errors} in {body}"
