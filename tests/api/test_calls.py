"""Starting, reading, cancelling and retrying calls through /api/v1, and the balance."""
from datetime import timedelta

from flashcall.db import db

from .conftest import E164, PHONE


def test_start_call_answers_201_with_the_call_and_never_the_code(api, call_row):
    response = api.post("/calls", json={"phone": PHONE})
    body = response.get_json()
    assert response.status_code == 201
    assert body["status"] == "queued" and body["phone"] == E164 and body["code_length"] == 4
    assert body["expires_at"].endswith("Z") and body["created_at"].endswith("Z")
    assert response.headers["Location"].endswith("/api/v1/calls/" + body["id"])
    row = call_row(body["id"])
    text = response.get_data(as_text=True)
    assert row.caller_number not in text and row.caller_number[1:] not in text
    assert "code" not in body and "caller_number" not in body


def test_persian_digits_in_the_phone_are_accepted(api):
    response = api.post("/calls", json={"phone": "۰۹۱۲۱۲۳۴۵۶۷"})
    assert response.status_code == 201
    assert response.get_json()["phone"] == E164


def test_get_call_shows_status_timestamps_and_events(api, started, deliver):
    call = started()
    deliver(call["id"])
    body = api.get(f"/calls/{call['id']}").get_json()
    assert body["status"] == "delivered"
    assert body["dialed_at"].endswith("Z") and body["ended_at"].endswith("Z")
    kinds = [event["kind"] for event in body["events"]]
    assert kinds[0] == "queued" and "delivered" in kinds
    assert all(event["at"].endswith("Z") for event in body["events"])


def test_a_key_never_sees_another_services_call(api, started, make, client):
    from .conftest import ApiClient
    call = started()
    _, other_token = make.key(make.service())
    other = ApiClient(client, other_token)
    assert other.get(f"/calls/{call['id']}").status_code == 404
    assert other.post(f"/calls/{call['id']}/verify", json={"code": "1234"}).status_code == 404
    assert other.post(f"/calls/{call['id']}/retry").status_code == 404
    response = other.delete(f"/calls/{call['id']}")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert api.get(f"/calls/{call['id']}").get_json()["status"] == "queued"


def test_unknown_call_id_is_404(api):
    assert api.get("/calls/not-a-call").get_json()["code"] == "not_found"
    assert api.get("/calls/" + "x" * 80).status_code == 404


def test_cancel_a_pending_call(api, started):
    call = started()
    response = api.delete(f"/calls/{call['id']}")
    assert response.status_code == 200
    assert response.get_json()["status"] == "canceled"
    assert api.get(f"/calls/{call['id']}").get_json()["status"] == "canceled"


def test_retry_while_active_is_refused_then_allowed_after_expiry(api, started, deliver, call_row):
    call = started()
    code = deliver(call["id"])
    refused = api.post(f"/calls/{call['id']}/retry")
    assert refused.status_code == 409 and refused.get_json()["code"] == "call_still_active"

    row = call_row(call["id"])
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    early = api.post(f"/calls/{call['id']}/retry", json={})  # a retry waits out the number's interval too
    assert early.status_code == 429 and early.get_json()["code"] == "interval_limit"
    row = call_row(call["id"])
    row.created_at -= timedelta(seconds=120)
    row.expires_at = row.created_at - timedelta(seconds=1)
    db.session.commit()
    response = api.post(f"/calls/{call['id']}/retry", json={})
    new = response.get_json()
    assert response.status_code == 201 and new["retry_of"] == call["id"] and new["status"] == "queued"
    assert deliver(new["id"]) != code
    assert api.get(f"/calls/{call['id']}").get_json()["status"] == "expired"


def test_a_second_retry_of_one_call_answers_409_already_retried(api, started, deliver, call_row):
    call = started()
    deliver(call["id"])
    row = call_row(call["id"])
    row.expires_at = row.created_at - timedelta(seconds=1)
    row.created_at -= timedelta(minutes=5)  # the number's interval has passed too
    db.session.commit()
    assert api.post(f"/calls/{call['id']}/retry").status_code == 201
    again = api.post(f"/calls/{call['id']}/retry")
    assert again.status_code == 409 and again.get_json()["code"] == "already_retried"
    assert again.get_json()["message"] == "این تماس یک بار دوباره گرفته شده است. تماس جدیدتر را دوباره بگیرید."


def test_retry_refuses_a_body_with_fields(api, started):
    call = started()
    response = api.post(f"/calls/{call['id']}/retry", json={"phone": PHONE})
    assert response.status_code == 400 and response.get_json()["field"] == "phone"


def test_balance_shows_service_account_limit_and_reservations_in_rial(api, make, service):
    from flashcall.billing import admin, credit
    from flashcall.clock import utcnow
    from flashcall.db import db
    other = make.service(service.account)
    credit(service, 30_000, "topup", utcnow())
    credit(other, 5_000, "topup", utcnow())
    admin.set_limit(service.account, -20_000)
    admin.set_price(service, 2_500)
    db.session.commit()
    assert api.post("/calls", json={"phone": PHONE}).status_code == 201  # in flight: 2,500 reserved
    response = api.get("/balance")
    assert response.status_code == 200
    assert response.get_json() == {"service_balance": 30_000, "account_balance": 35_000, "credit_limit": -20_000,
                                   "reserved": 2_500, "available": 52_500, "unit": "IRR"}


def test_using_a_key_records_last_used(api, service):
    from flashcall.models import AccessKey
    api.get("/balance")
    db.session.expire_all()
    assert db.session.get(AccessKey, service.keys[0].id).last_used_at is not None
