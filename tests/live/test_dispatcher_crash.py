"""Kill a dispatcher mid-call: the next one finishes or fails its calls, and never dials one twice."""

import requests

from tests.waiting import eventually

FINAL_AFTER_DISPATCH = {"delivered", "answered", "failed", "expired", "verified", "canceled"}


def _calls(stack, key, ids):
    headers = {"Authorization": f"Bearer {key}"}
    return [requests.get(f"{stack.base_url}/api/v1/calls/{i}", headers=headers, timeout=10).json() for i in ids]


def test_killed_dispatcher_calls_are_recovered_once(stack_factory):
    stack = stack_factory(dispatchers=0, env={
        "FLASHCALL_SIM_RING_DELAY": "0.5", "FLASHCALL_SIM_RING_SECONDS": "2",
        "FLASHCALL_DISPATCH_LEASE": "4"})
    key = stack.new_key()
    headers = {"Authorization": f"Bearer {key}"}
    ids = []
    for n in range(8):
        response = requests.post(stack.base_url + "/api/v1/calls", json={"phone": f"0912000000{n}"},
                                 headers=headers, timeout=10)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])

    first = stack.start_dispatcher("first")
    eventually(lambda: any(c["status"] in ("dialing", "ringing") for c in _calls(stack, key, ids)), timeout=20,
               interval=0.1, message="the first dispatcher starting a call")
    stack.kill(first)  # SIGKILL: no chance to clean up
    before = {c["id"]: c["status"] for c in _calls(stack, key, ids)}
    assert any(status in ("queued", "dialing", "ringing") for status in before.values()), before

    stack.start_dispatcher("second")
    eventually(lambda: all(c["status"] in FINAL_AFTER_DISPATCH for c in _calls(stack, key, ids)), timeout=40,
               interval=0.1, message=lambda: str({c["id"]: c["status"] for c in _calls(stack, key, ids)}))
    after = _calls(stack, key, ids)
    for call in after:
        kinds = [event["kind"] for event in call["events"]]
        assert kinds.count("dialing") <= 1, (call["id"], kinds)  # never dialed twice
        if before[call["id"]] == "ringing":
            assert call["status"] == "delivered", call  # it rang: finished, not failed
        if call["status"] == "failed":
            assert call["failure_reason"] == "interrupted", call
    for n in range(8):
        assert len(stack.flask("sim", "inbox", f"0912000000{n}").splitlines()) <= 1
