"""Checking codes: by call id and by phone, wrong codes, attempts, expiry."""
from datetime import timedelta

from flashcall.db import db

from .conftest import PHONE


def _wrong(code):
    return "".join(str((int(d) + 1) % 10) for d in code)


def test_verify_by_call_id(api, started, deliver):
    call = started()
    code = deliver(call["id"])
    response = api.post(f"/calls/{call['id']}/verify", json={"code": code})
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "verified" and body["verified_at"].endswith("Z")


def test_verify_by_phone_accepts_persian_digits(api, started, deliver):
    call = started()
    code = deliver(call["id"])
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    response = api.post("/verify", json={"phone": "+989121234567", "code": persian})
    assert response.status_code == 200 and response.get_json()["id"] == call["id"]


def test_wrong_code_tells_attempts_left_then_exhausts(api, started, deliver):
    call = started()
    code = deliver(call["id"])
    url = f"/calls/{call['id']}/verify"
    lefts = [api.post(url, json={"code": _wrong(code)}).get_json() for _ in range(3)]
    assert [b["code"] for b in lefts] == ["invalid_code"] * 3
    assert [b["attempts_left"] for b in lefts] == [2, 1, 0]
    response = api.post(url, json={"code": code})
    assert response.status_code == 429 and response.get_json()["code"] == "attempts_exhausted"
    assert api.get(f"/calls/{call['id']}").get_json()["status"] == "failed"


def test_invalid_code_is_422(api, started, deliver):
    call = started()
    code = deliver(call["id"])
    response = api.post(f"/calls/{call['id']}/verify", json={"code": _wrong(code)})
    assert response.status_code == 422 and response.get_json()["attempts_left"] == 2


def test_expired_code_is_410(api, started, deliver, call_row):
    call = started()
    code = deliver(call["id"])
    row = call_row(call["id"])
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    response = api.post(f"/calls/{call['id']}/verify", json={"code": code})
    assert response.status_code == 410 and response.get_json()["code"] == "code_expired"


def test_verify_phone_without_any_call_is_code_not_found(api):
    response = api.post("/verify", json={"phone": PHONE, "code": "1234"})
    assert response.status_code == 404 and response.get_json()["code"] == "code_not_found"


def test_verify_before_the_call_rang_is_code_not_found(api, started):
    call = started()
    response = api.post(f"/calls/{call['id']}/verify", json={"code": "1234"})
    assert response.status_code == 404 and response.get_json()["code"] == "code_not_found"


def test_code_must_be_a_string(api, started):
    call = started()
    response = api.post(f"/calls/{call['id']}/verify", json={"code": 1234})
    assert response.status_code == 400 and response.get_json()["field"] == "code"
