"""A client written step by step from seed 002 (Telphin Flash Calls) against /telphin/."""
import json
from datetime import timedelta

import pytest

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call
from flashcall.accounts import revoke_key
from tests.virtual_phone import typed_code
from tests.worker import run_once

PHONE = "+989121234567"


class Telphin:
    """Seed 002: POST / with app_id, app_secret, number; POST /auth/ adds auth_code."""

    def __init__(self, client, token, base="/telphin"):
        self.client, self.base = client, base
        self.app_id, _, self.app_secret = token.partition(".")

    def _post(self, path, body):
        response = self.client.post(self.base + path, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 200  # the seed tells errors apart by "status" only
        return response.get_data(as_text=True)

    def call(self, number, **override):
        return self._post("/", {"app_id": self.app_id, "app_secret": self.app_secret, "number": number, **override})

    def auth(self, number, code, **override):
        body = {"app_id": self.app_id, "app_secret": self.app_secret, "number": number, "auth_code": code}
        return self._post("/auth/", {**body, **override})


def error(name):
    return json.dumps({"status": "error", "description": name}, separators=(",", ":"))


@pytest.fixture
def service(make):
    return make.service(min_interval_seconds=120, daily_limit=10, max_attempts=3)


@pytest.fixture
def telphin(client, make, service):
    return Telphin(client, make.key(service)[1])


def _dial(app):
    run_once()
    return db.session.scalars(db.select(Call).order_by(Call.created_at.desc())).first()


def test_call_then_auth_succeeds_in_the_seeds_exact_shapes(app, telphin):
    assert telphin.call("09121234567") == '{"status":"succes","number":"+989121234567"}'
    call = _dial(app)
    assert call.status == "delivered" and call.source == "compat"
    code = typed_code(PHONE, 4)  # seed 002: the caller number's last four digits
    answer = telphin.auth(PHONE, code)
    assert answer == '{"status":"succes","number":"+989121234567","auth_code":"%s"}' % code
    db.session.refresh(call)
    assert call.status == "verified"


def test_both_paths_work_with_and_without_the_trailing_slash(app, client, make, service):
    token = make.key(service)[1]
    assert '"succes"' in Telphin(client, token).call("۰۹۱۲۱۲۳۴۵۶۷")  # Persian digits too
    _dial(app)
    bare = Telphin(client, token)
    bare._post = lambda path, body: client.post("/telphin" + path.rstrip("/"), json=body).get_data(as_text=True)
    assert '"succes"' in bare.auth(PHONE, typed_code(PHONE, 4))


def test_call_errors_by_their_seed_names(app, make, client, telphin, service):
    assert telphin.call(PHONE, app_secret="wrong") == error("invalid_client")
    assert telphin.call(PHONE, app_id="fc_nobody") == error("invalid_client")
    assert telphin.call(None) == error("parameters_error")
    assert telphin.call(9121234567) == error("parameters_error")
    assert telphin._post("/", {"app_id": telphin.app_id, "app_secret": telphin.app_secret}) \
        == error("parameters_error")
    assert client.post("/telphin/", data="not json").get_data(as_text=True) == error("parameters_error")
    assert telphin.call("+14155552671") == error("direction_error")  # not an allowed country
    assert telphin.call("12ab") == error("direction_error")  # not a phone number
    assert '"succes"' in telphin.call(PHONE)
    assert telphin.call(PHONE) == error("one_call_for_two_minutes")
    service.status = "suspended"
    db.session.commit()
    assert telphin.call("09121110000") == error("service_is_not_connected")


def test_ten_calls_per_day(make, client):
    token = make.key(make.service(min_interval_seconds=0, daily_limit=2))[1]
    telphin = Telphin(client, token)
    assert '"succes"' in telphin.call(PHONE) and '"succes"' in telphin.call(PHONE)
    assert telphin.call(PHONE) == error("ten_calls_per_day")


def test_revoked_key_is_an_unknown_client(make, client, service):
    key, token = make.key(service)
    revoke_key(key)
    db.session.commit()
    assert Telphin(client, token).call(PHONE) == error("invalid_client")


def test_auth_errors_by_their_seed_names(app, telphin):
    assert telphin.auth(PHONE, "1234") == error("auth_code_does_not_exist")
    telphin.call(PHONE)
    _dial(app)
    wrong = str((int(typed_code(PHONE, 4)) + 1) % 10 ** 4).zfill(4)
    assert telphin.auth(PHONE, wrong, app_secret="x") == error("invalid_client")
    assert telphin.auth(PHONE, wrong, auth_code=None) == error("parameters_error")
    assert telphin.auth(PHONE, "abcd") == error("parameters_error")
    assert telphin.auth(PHONE, wrong) == error("invalid_code")
    assert telphin.auth(PHONE, wrong) == error("invalid_code")
    assert telphin.auth(PHONE, wrong) == error("invalid_code")  # the third and last attempt
    assert telphin.auth(PHONE, typed_code(PHONE, 4)) == error("auth_attempts_ended")


def test_expired_code(app, telphin):
    telphin.call(PHONE)
    call = _dial(app)
    call.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert telphin.auth(PHONE, typed_code(PHONE, 4)) == error("code_lifetime_expired")


def test_same_engine_as_the_api_shares_the_limits(app, client, make, service):
    _, token = make.key(service)
    assert '"succes"' in Telphin(client, token).call(PHONE)
    response = client.post("/api/v1/calls", json={"phone": PHONE}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 429 and response.get_json()["code"] == "interval_limit"
