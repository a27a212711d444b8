"""Money is exact under concurrency: 200 simultaneous new calls against a credit that allows
exactly 57, through 4 gunicorn workers and 2 dispatchers; each accepted call charged once."""
from collections import Counter

import requests

from tests.waiting import eventually

from .test_concurrency import _auth, _fire


def _wait_dispatched(stack, key, ids, timeout=120):
    pending = set(ids)

    def all_ended():
        for call_id in list(pending):
            body = requests.get(f"{stack.base_url}/api/v1/calls/{call_id}", headers=_auth(key), timeout=10).json()
            if body["status"] not in ("queued", "dialing", "ringing"):
                pending.discard(call_id)
        return not pending
    eventually(all_ended, timeout=timeout, interval=0.2, message=lambda: f"{len(pending)} calls still in flight")


def test_two_hundred_concurrent_calls_against_credit_for_57(stack_factory):
    stack = stack_factory(workers=4, dispatchers=2)
    key = stack.new_key(min_interval=0, daily_limit=1000, price=1_000)
    stack.flask("billing", "adjust", "--service", str(stack.last_service_id), "--amount", "57000",
                "--reason", "credit for exactly 57 calls")
    phones = [{"phone": f"0912{index:07d}"} for index in range(200)]
    responses = _fire(stack.base_url + "/api/v1/calls", phones, _auth(key))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 57, 402: 143}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 402} == {"insufficient_credit"}
    _wait_dispatched(stack, key, [r.json()["id"] for r in responses if r.status_code == 201])
    balance = requests.get(stack.base_url + "/api/v1/balance", headers=_auth(key), timeout=10).json()
    assert balance == {"service_balance": 0, "account_balance": 0, "credit_limit": 0, "reserved": 0,
                       "available": 0, "unit": "IRR"}
    assert "ok" in stack.flask("billing", "check")  # 57 charges, none twice, every balance equal to its ledger
    refused = requests.post(stack.base_url + "/api/v1/calls", json={"phone": "09351234567"}, headers=_auth(key),
                            timeout=10)
    assert refused.status_code == 402
