"""The SIP trunk driver against a local SIP endpoint: every final status maps to its reason,
ringing then CANCEL is a delivered flash call, a 200 is hung up with BYE, digest on 407."""
import time

import pytest

from flashcall.telephony.drivers import sip

from .events import dial
from .sip_uas import SipEndpoint
from tests.waiting import eventually


def _wait(predicate, timeout=10):
    eventually(predicate, timeout=timeout, interval=0.02)


@pytest.mark.parametrize("status, reason", [
    ("486 Busy Here", "busy"), ("600 Busy Everywhere", "busy"),
    ("404 Not Found", "invalid_number"), ("484 Address Incomplete", "invalid_number"),
    ("604 Does Not Exist Anywhere", "invalid_number"),
    ("480 Temporarily Unavailable", "unreachable"), ("408 Request Timeout", "unreachable"),
    ("403 Forbidden", "gateway_error"), ("503 Service Unavailable", "gateway_error"),
    ("603 Decline", "rejected"), ("500 Server Internal Error", "gateway_error"),
])
def test_each_failure_status_maps_to_its_reason(endpoint, driver, status, reason):
    far = endpoint(final=status)
    gateway, reports = driver(far.port)
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason, final.detail) == ("failed", reason, f"SIP {status}")
    assert [e.status for e in reports.of("c1")] == ["ringing", "failed"]


def test_ringing_then_cancel_is_delivered(endpoint, driver):
    far = endpoint(final=None)
    gateway, reports = driver(far.port)
    gateway.dial(dial("c1", caller="+982191005678"))
    final = reports.final("c1")
    assert final.status == "delivered" and final.detail.startswith("SIP CANCEL")
    _wait(lambda: "ACK" in far.methods())  # the 487 was acknowledged
    methods = far.methods()
    assert methods.index("INVITE") < methods.index("CANCEL")
    invite = next(headers for method, headers in far.received if method == "INVITE")
    assert "<sip:+982191005678@" in invite["from"][0]
    assert invite["p-asserted-identity"][0].startswith("<sip:+982191005678@")
    assert "BYE" not in methods


def test_picked_up_is_answered_and_hung_up_with_bye(endpoint, driver):
    far = endpoint(final="200 OK")
    gateway, reports = driver(far.port)
    gateway.dial(dial("c1"))
    assert reports.final("c1").status == "answered"
    _wait(lambda: "BYE" in far.methods() and "ACK" in far.methods())


def test_digest_challenge_is_answered(endpoint, driver):
    far = endpoint(final=None, credentials=("trunkuser", "trunk-pass"))
    gateway, reports = driver(far.port, username="trunkuser", secret="trunk-pass")
    gateway.dial(dial("c1"))
    assert reports.final("c1").status == "delivered"
    assert far.auth_results == [True]


def test_wrong_digest_password_is_the_gateways_error(endpoint, driver):
    far = endpoint(final=None, credentials=("trunkuser", "trunk-pass"))
    gateway, reports = driver(far.port, username="trunkuser", secret="wrong")
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason) == ("failed", "gateway_error") and far.auth_results == [False]


def test_no_provisional_answer_is_unreachable(endpoint, driver, monkeypatch):
    monkeypatch.setattr(sip, "SETUP_SECONDS", 0.5)
    far = endpoint(final=None, ring=False)
    gateway, reports = driver(far.port)
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason) == ("failed", "unreachable")


def test_silent_gateway_is_the_gateways_error_and_down(driver, monkeypatch):
    monkeypatch.setattr(sip, "SETUP_SECONDS", 0.5)
    silent = SipEndpoint(final=None)
    silent.close()  # nothing answers on that port
    gateway, reports = driver(silent.port)
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason) == ("failed", "gateway_error")
    assert gateway.health().up is False


def test_cancel_from_the_dispatcher_hangs_up_without_reporting(endpoint, driver):
    far = endpoint(final=None)
    gateway, reports = driver(far.port)
    gateway.gateway = gateway.gateway.__class__(**{**gateway.gateway.__dict__, "ring_seconds": 30.0})
    gateway.dial(dial("c1"))
    _wait(lambda: any(e.status == "ringing" for e in reports.of("c1")))
    gateway.cancel("c1")
    _wait(lambda: "CANCEL" in far.methods())
    time.sleep(0.2)
    assert [e.status for e in reports.of("c1")] == ["ringing"]


def test_options_probe(endpoint):
    far = endpoint(final=None)
    answer = sip.options("127.0.0.1", far.port, timeout=3)
    assert answer.ok and answer.detail == "SIP 200 OK" and answer.rtt_ms is not None
    far.close()
    assert not sip.options("127.0.0.1", far.port, timeout=0.5).ok
