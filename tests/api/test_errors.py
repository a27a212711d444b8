"""Every refusal answers the one JSON error shape with its stable code, HTTP status and fields."""
import pytest

from flashcall.db import db
from flashcall.models import Gateway
from flashcall.accounts import revoke_key

from .conftest import PHONE, ApiClient


def _error(response, status, code):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["status"] == "error" and body["code"] == code and body["message"]
    return body


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer fc_0000.secret", "Basic abc", "Bearer "])
def test_missing_or_unknown_key_is_invalid_key(api, header):
    headers = {"Authorization": header} if header else {}
    _error(api.post("/calls", token=None, headers=headers, json={"phone": PHONE}), 401, "invalid_key")


def test_revoked_key_is_invalid_key(api, service, make):
    key, token = make.key(service)
    revoke_key(key)
    db.session.commit()
    for path in ("/calls/x", "/balance"):
        _error(api.get(path, token=token), 401, "invalid_key")


def test_wrong_secret_is_invalid_key(api, token):
    public_id = token.partition(".")[0]
    _error(api.get("/balance", token=public_id + ".wrong"), 401, "invalid_key")


@pytest.mark.parametrize("data, field", [
    ('{"phone": ', "body"),
    ("[1, 2]", "body"),
    ('"09121234567"', "body"),
    ("{}", "phone"),
    ('{"phone": 9121234567}', "phone"),
    ('{"phone": null}', "phone"),
    ('{"phone": "09121234567", "extra": 1}', "extra"),
    ('{"phone": "not a phone"}', "phone"),
])
def test_bad_bodies_are_invalid_parameters_naming_the_field(api, data, field):
    response = api.post("/calls", data=data, content_type="application/json")
    assert _error(response, 400, "invalid_parameters")["field"] == field


def test_wrong_content_type_is_invalid_parameters(api):
    response = api.post("/calls", data="phone=09121234567", content_type="application/x-www-form-urlencoded")
    assert _error(response, 400, "invalid_parameters")["field"] == "body"


def test_body_over_16_kb_is_invalid_parameters(api):
    response = api.post("/calls", json={"phone": PHONE, "pad": "x" * 20000})
    assert _error(response, 400, "invalid_parameters")["field"] == "body"


def test_missing_body_is_missing_phone(api):
    assert _error(api.post("/calls"), 400, "invalid_parameters")["field"] == "phone"


def test_verify_body_is_checked_too(api):
    assert _error(api.post("/verify", json={"phone": PHONE}), 400, "invalid_parameters")["field"] == "code"
    assert _error(api.post("/verify", json={"code": "1"}), 400, "invalid_parameters")["field"] == "phone"


@pytest.mark.parametrize("phone", ["+14155552671", "02188888888"])
def test_foreign_or_landline_numbers_are_direction_not_allowed(api, phone):
    _error(api.post("/calls", json={"phone": phone}), 422, "direction_not_allowed")


def test_second_call_too_soon_is_interval_limit_with_retry_after(api, started):
    started()
    response = api.post("/calls", json={"phone": PHONE})
    body = _error(response, 429, "interval_limit")
    assert 0 < body["retry_after"] <= 120
    # Flask-Limiter rewrites the header from the same deadline, truncating to whole seconds.
    assert int(response.headers["Retry-After"]) >= body["retry_after"] - 1


def test_daily_limit(make, client):
    service = make.service(min_interval_seconds=0, daily_limit=2)
    api = ApiClient(client, make.key(service)[1])
    for _ in range(2):
        assert api.post("/calls", json={"phone": PHONE}).status_code == 201
    response = api.post("/calls", json={"phone": PHONE})
    retry_after = _error(response, 429, "daily_limit")["retry_after"]
    assert retry_after > 120  # the next Tehran day, not the per-request limiter's window
    # Flask-Limiter sends a Retry-After of its own on every answer; ours is the daily limit's.
    assert abs(int(response.headers["Retry-After"]) - retry_after) <= 1


def test_suspended_service_is_service_disabled(api, service):
    service.status = "suspended"
    db.session.commit()
    _error(api.post("/calls", json={"phone": PHONE}), 403, "service_disabled")


def test_no_credit_is_insufficient_credit(api, service):
    service.price_per_call = 5000
    service.account.credit_limit = 0
    db.session.commit()
    _error(api.post("/calls", json={"phone": PHONE}), 402, "insufficient_credit")


def test_no_gateway_is_gateway_unavailable(api):
    for gateway in db.session.scalars(db.select(Gateway)):
        gateway.active = False
    db.session.commit()
    _error(api.post("/calls", json={"phone": PHONE}), 503, "gateway_unavailable")


def test_refusals_write_nothing(api, service):
    from flashcall.models import Call
    service.status = "suspended"
    db.session.commit()
    api.post("/calls", json={"phone": PHONE})
    api.post("/calls", json={"phone": "bad"})
    assert db.session.scalar(db.select(db.func.count(Call.id))) == 0


def test_messages_are_english_on_request_and_persian_by_default(api):
    english = api.post("/calls", token="nope", headers={"Accept-Language": "en"}, json={"phone": PHONE})
    default = api.post("/calls", token="nope", json={"phone": PHONE})
    assert english.get_json()["message"] == "The access key is not valid or has been revoked."
    assert default.get_json()["message"] == "کلید دسترسی معتبر نیست یا باطل شده است."


def test_invalid_parameters_message_names_the_field_in_english(api):
    response = api.post("/calls", json={"phone": PHONE, "name": "x"}, headers={"Accept-Language": "en"})
    assert "name" in response.get_json()["message"]
