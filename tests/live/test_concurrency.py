"""Limits are exact under concurrency: 50 simultaneous requests against 2 real worker processes."""
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.waiting import eventually

PHONE = "09121234567"


def _fire(url, bodies, headers):
    barrier = threading.Barrier(len(bodies))

    def one(body):
        barrier.wait()
        return requests.post(url, json=body, headers=headers, timeout=60)
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def _auth(key):
    return {"Authorization": f"Bearer {key}"}


def test_fifty_concurrent_calls_to_one_number_accept_exactly_one(stack_factory):
    stack = stack_factory()
    key = stack.new_key()
    responses = _fire(stack.base_url + "/api/v1/calls", [{"phone": PHONE}] * 50, _auth(key))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 429: 49}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 429} == {"interval_limit"}
    assert all(int(r.headers["Retry-After"]) > 0 for r in responses if r.status_code == 429)


def test_daily_limit_is_exact_under_concurrency(stack_factory):
    stack = stack_factory()
    key = stack.new_key(min_interval=0, daily_limit=3)
    responses = _fire(stack.base_url + "/api/v1/calls", [{"phone": PHONE}] * 50, _auth(key))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 3, 429: 47}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 429} == {"daily_limit"}


def _wait_status(stack, key, call_id, wanted, timeout=20):
    def reached():
        body = requests.get(f"{stack.base_url}/api/v1/calls/{call_id}", headers=_auth(key), timeout=10).json()
        return body if body["status"] in wanted else None
    return eventually(reached, timeout=timeout, interval=0.1, message=f"call {call_id} reaching {wanted}")


def test_concurrent_wrong_guesses_never_exceed_max_attempts(stack_factory):
    stack = stack_factory()
    key = stack.new_key(max_attempts=3)
    created = requests.post(stack.base_url + "/api/v1/calls", json={"phone": PHONE}, headers=_auth(key), timeout=10)
    assert created.status_code == 201, created.text
    call_id = created.json()["id"]
    _wait_status(stack, key, call_id, {"delivered"})
    inbox = stack.flask("sim", "inbox", PHONE)
    caller = next(word for word in inbox.split() if word.startswith("+"))
    right = caller[-4:]
    wrong = f"{(int(right) + 1) % 10000:04d}"

    responses = _fire(f"{stack.base_url}/api/v1/calls/{call_id}/verify", [{"code": wrong}] * 30, _auth(key))
    codes = Counter(r.json()["code"] for r in responses)
    assert codes == {"invalid_code": 3, "attempts_exhausted": 27}, codes

    late = requests.post(f"{stack.base_url}/api/v1/calls/{call_id}/verify", json={"code": right},
                         headers=_auth(key), timeout=10)
    assert late.status_code == 429 and late.json()["code"] == "attempts_exhausted"
    assert _wait_status(stack, key, call_id, {"failed"})["attempts"] == 3
