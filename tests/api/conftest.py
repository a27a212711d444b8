"""API fixtures: a service with a key, a client that checks every answer against the OpenAPI
document, and helpers that drive calls through the simulator."""
import pytest

from flashcall.db import db
from flashcall.models import Call

from tests.virtual_phone import typed_code

from .conformance import check

PHONE = "09121234567"
E164 = "+989121234567"


class ApiClient:
    """The Flask test client with the bearer key; every response is checked for conformance."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def request(self, method, path, token=..., headers=None, **kwargs):
        token = self.token if token is ... else token
        headers = dict(headers or {})
        if token:
            headers.setdefault("Authorization", f"Bearer {token}")
        response = self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)
        check(method, "/api/v1" + path, response.status_code, response.get_json())
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def service(make):
    return make.service(min_interval_seconds=120, daily_limit=10, max_attempts=3, code_length=4)


@pytest.fixture
def token(make, service):
    return make.key(service)[1]


@pytest.fixture
def api(client, token):
    return ApiClient(client, token)


@pytest.fixture
def call_row(app):
    """The Call row (fresh from the database) for an id."""
    def _row(call_id):
        db.session.expire_all()
        return db.session.get(Call, call_id)
    return _row


@pytest.fixture
def deliver(app, call_row):
    """Run dispatcher passes until the call's missed call has been delivered; returns its code as the
    person types it, read off the virtual phone."""
    from tests.worker import run_once

    def _deliver(call_id):
        for _ in range(20):
            run_once()
            call = call_row(call_id)
            if call.status not in ("queued", "dialing", "ringing"):
                break
        assert call.status == "delivered", call.status
        return typed_code(call.phone, call.code_length)
    return _deliver


@pytest.fixture
def started(api):
    """POST /calls for PHONE; returns the JSON body."""
    def _start(phone=PHONE, **kwargs):
        response = api.post("/calls", json={"phone": phone}, **kwargs)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return _start
