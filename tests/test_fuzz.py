"""Bad input never answers 500: every route (walked from the URL map, so new ones are covered) gets
NUL bytes in its path, query and fields, deeply nested and wrongly typed JSON, and oversized bodies,
signed in and not, on SQLite and on PostgreSQL."""
import json

import pytest

from flashcall.factory import create_app

FIELDS = ("email", "password", "remember", "code", "phone", "key", "service_id", "name", "label", "role",
          "new_password", "confirm", "next", "webhook_url", "code_length", "allowed_countries",
          "app_id", "app_secret", "number", "auth_code", "csrf_token")
BAD_VALUES = ("a\x00b", "x" * 5000, "99999999999999999999999", "۱۲۳")
NESTED = "[" * 100_000 + "]" * 100_000
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "walk", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({(rule.rule, tuple(sorted(rule.arguments)), tuple(sorted(rule.methods & set(METHODS))))
                   for rule in app.url_map.iter_rules() if rule.endpoint != "static"})


RULES = _rules()


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False, "MAX_CONTENT_LENGTH": 256 * 1024,
            "API_RATE_LIMIT_PER_KEY": "100000/minute", "API_RATE_LIMIT_PER_IP": "100000/minute",
            "LOGIN_MAX_FAILURES": 100000, "LOGIN_MAX_FAILURES_PER_EMAIL": 100000,
            "LOGIN_MAX_FAILURES_PER_ADDRESS": 100000}


def _paths(rule, arguments):
    """The rule with each argument filled with bad text (int converters take only digits)."""
    for value in ("%00", "x" * 300, "99999999999999999999"):
        path = rule
        for name in arguments:
            path = path.replace(f"<int:{name}>", value if value.isdigit() else "1").replace(f"<{name}>", value)
        yield path


def _requests(method):
    """(kwargs for client.open) of the bad bodies and queries sent with `method`."""
    query = "&".join(f"{field}=%00" for field in FIELDS)
    yield {"query_string": query}
    yield {"query_string": "&".join(f"{field}={'9' * 30}" for field in FIELDS)}
    if method == "GET":
        return
    for value in BAD_VALUES:
        yield {"data": {field: value for field in FIELDS}}
    yield {"data": NESTED, "content_type": "application/json"}
    yield {"data": json.dumps({field: [1, {"a": None}] for field in FIELDS}), "content_type": "application/json"}
    yield {"data": json.dumps({field: "\u0000" for field in FIELDS}), "content_type": "application/json"}
    yield {"data": json.dumps({field: 12 for field in FIELDS}), "content_type": "application/json"}
    yield {"data": b"\xff\xfe\x00garbage", "content_type": "application/json"}
    yield {"data": "x" * (300 * 1024), "content_type": "application/json"}
    yield {"data": {"phone": "x" * (300 * 1024)}}


@pytest.mark.parametrize("rule, arguments, methods", RULES, ids=[r[0] for r in RULES])
def test_no_route_answers_500_to_bad_input(app, client, make, login, rule, arguments, methods):
    owner = make.account(operator=True)
    token = make.key(make.service(owner.account))[1]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "fuzz\u00e9"}
    failures = []
    for signed_in in (False, True):
        if signed_in:
            login(owner)
        for method in methods:
            for path in _paths(rule, arguments):
                for kwargs in _requests(method):
                    response = client.open(path, method=method, headers=headers, **kwargs)
                    if response.status_code >= 500:
                        failures.append((method, path[:80], str(kwargs)[:120], response.status_code))
    assert failures == []
