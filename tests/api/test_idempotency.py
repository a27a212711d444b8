"""Idempotency-Key on POST /calls: one call per key and body within 24 h, even at the same moment."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from flashcall.db import db
from flashcall.models import Call, IdempotencyRecord

from .conformance import check
from .conftest import PHONE, ApiClient


def _count_calls():
    return db.session.scalar(db.select(db.func.count(Call.id)))


def _post(api, key, body=None):
    return api.post("/calls", json=body or {"phone": PHONE}, headers={"Idempotency-Key": key})


def test_same_key_and_body_returns_the_first_answer_and_places_one_call(api):
    first = _post(api, "order-1")
    again = _post(api, "order-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert _count_calls() == 1


def test_the_same_body_written_differently_is_the_same_request(api):
    first = api.post("/calls", data='{"phone":"09121234567"}', content_type="application/json",
                     headers={"Idempotency-Key": "k"})
    again = api.post("/calls", data='{ "phone" : "09121234567" }', content_type="application/json",
                     headers={"Idempotency-Key": "k"})
    assert again.get_json()["id"] == first.get_json()["id"]


def test_same_key_with_another_body_is_idempotency_mismatch(api):
    _post(api, "order-2")
    response = _post(api, "order-2", {"phone": "09351234567"})
    assert response.status_code == 422 and response.get_json()["code"] == "idempotency_mismatch"
    assert _count_calls() == 1


def test_without_the_header_each_request_is_new(make, client):
    api = ApiClient(client, make.key(make.service(min_interval_seconds=0))[1])
    api.post("/calls", json={"phone": PHONE})
    api.post("/calls", json={"phone": PHONE})
    _post(api, "a")
    _post(api, "b")
    assert _count_calls() == 4


def test_a_validation_error_is_the_final_answer(api):
    first = _post(api, "order-3", {"phone": "12"})
    replay = _post(api, "order-3", {"phone": "12"})
    assert first.status_code == replay.status_code == 400 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()


def test_a_refusal_that_time_can_lift_is_not_kept(api, service):
    service.status = "suspended"
    db.session.commit()
    assert _post(api, "order-4").status_code == 403
    service.status = "active"
    db.session.commit()
    again = _post(api, "order-4")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert _count_calls() == 1


def test_a_429_is_not_replayed_with_its_old_retry_after(api):
    """The audit: a 429 was saved and replayed for 24 hours with its old retry_after."""
    assert _post(api, "first").status_code == 201
    refused = _post(api, "second")
    assert refused.status_code == 429 and refused.get_json()["code"] == "interval_limit"
    for call in db.session.scalars(db.select(Call)):
        call.created_at -= timedelta(minutes=3)
    db.session.commit()
    later = _post(api, "second")
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert db.session.scalar(db.select(db.func.count(IdempotencyRecord.id))) == 2


def test_keys_belong_to_one_service(api, make, client):
    _post(api, "shared")
    other = ApiClient(client, make.key(make.service())[1])
    response = _post(other, "shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert _count_calls() == 2


def test_a_key_older_than_24_hours_starts_afresh(make, client):
    api = ApiClient(client, make.key(make.service(min_interval_seconds=0))[1])
    first = _post(api, "old")
    record = db.session.scalar(db.select(IdempotencyRecord))
    record.created_at -= timedelta(hours=25)
    db.session.commit()
    again = _post(api, "old")
    assert again.status_code == 201 and again.get_json()["id"] != first.get_json()["id"]
    assert _count_calls() == 2


def test_a_key_left_without_answer_by_a_dead_request_is_taken_over(api, service):
    db.session.add(IdempotencyRecord(service_id=service.id, key="dead", request_hash="x" * 64))
    db.session.commit()
    record = db.session.scalar(db.select(IdempotencyRecord))
    record.created_at -= timedelta(minutes=5)
    db.session.commit()
    assert _post(api, "dead").status_code == 201


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_unusable_key_is_invalid_parameters(api, key):
    response = _post(api, key)
    assert response.status_code == 400 and response.get_json()["field"] == "Idempotency-Key"


def test_concurrent_duplicates_place_one_call_and_get_the_same_answer(live_url, token):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "same-moment"}
    barrier = threading.Barrier(8)

    def one(_):
        barrier.wait()
        return requests.post(live_url + "/api/v1/calls", json={"phone": PHONE}, headers=headers, timeout=30)
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(one, range(8)))
    for response in responses:
        check("POST", "/api/v1/calls", response.status_code, response.json())
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
    db.session.expire_all()
    assert _count_calls() == 1
