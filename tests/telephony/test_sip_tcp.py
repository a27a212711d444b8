"""SIP trunks over TCP: the driver against a local endpoint speaking SIP over TCP (one connection kept
for every call, answers framed by Content-Length, no retransmission, CANCEL, ACK and BYE on it), a
refused or dropped connection failing its calls as the gateway's error, and OPTIONS over TCP."""
import socket

import pytest

from flashcall.telephony.drivers import sip
from flashcall.telephony.drivers.sip_tcp import FramingError, MessageReader
from flashcall.telephony.gateways import GatewayConfig

from .events import dial
from tests.waiting import eventually


def _wait(predicate, timeout=10):
    eventually(predicate, timeout=timeout, interval=0.02)


def _closed_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once closed


@pytest.mark.parametrize("status, reason", [
    ("486 Busy Here", "busy"), ("404 Not Found", "invalid_number"), ("603 Decline", "rejected"),
    ("480 Temporarily Unavailable", "unreachable"),
])
def test_failure_statuses_over_tcp(endpoint, driver, status, reason):
    far = endpoint(final=status, transport="tcp")
    gateway, reports = driver(far.port, transport="tcp")
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason, final.detail) == ("failed", reason, f"SIP {status}")
    invite = next(headers for method, headers in far.received if method == "INVITE")
    assert invite["via"][0].startswith("SIP/2.0/TCP 127.0.0.1:")
    _wait(lambda: "ACK" in far.methods())  # the final answer was acknowledged, over the same connection
    assert far.accepted == 1


def test_ringing_then_cancel_is_delivered_on_one_connection(endpoint, driver):
    far = endpoint(final=None, transport="tcp")
    gateway, reports = driver(far.port, transport="tcp")
    for n in range(3):
        gateway.dial(dial(f"c{n}", caller=f"+98219100567{n}"))
    assert [reports.final(f"c{n}").status for n in range(3)] == ["delivered"] * 3
    _wait(lambda: far.methods().count("ACK") == 3)  # every 487 acknowledged
    assert sorted(far.methods()) == ["ACK"] * 3 + ["CANCEL"] * 3 + ["INVITE"] * 3
    invite = next(headers for method, headers in far.received if method == "INVITE")
    assert invite["via"][0].startswith("SIP/2.0/TCP ")
    assert invite["from"][0].startswith("<sip:+98219100567")
    assert far.accepted == 1  # one persistent connection for all three calls
    assert gateway.calls == {}


def test_picked_up_is_hung_up_with_bye_over_tcp(endpoint, driver):
    far = endpoint(final="200 OK", transport="tcp")  # its Contact names no transport: still TCP
    gateway, reports = driver(far.port, transport="tcp")
    gateway.dial(dial("c1"))
    assert reports.final("c1").status == "answered"
    _wait(lambda: "BYE" in far.methods() and "ACK" in far.methods())
    assert far.accepted == 1


def test_digest_challenge_is_answered_over_tcp(endpoint, driver):
    far = endpoint(final=None, credentials=("trunkuser", "trunk-pass"), transport="tcp")
    gateway, reports = driver(far.port, transport="tcp", username="trunkuser", secret="trunk-pass")
    gateway.dial(dial("c1"))
    assert reports.final("c1").status == "delivered"
    assert far.auth_results == [True]
    assert far.methods().count("INVITE") == 2 and far.accepted == 1


def test_no_retransmission_over_tcp(endpoint, driver, monkeypatch):
    monkeypatch.setattr(sip, "SETUP_SECONDS", 2.5)  # over UDP, the INVITE would go out at 0, 0.5 and 1.5 s
    far = endpoint(final=None, transport="tcp", mute=True)
    gateway, reports = driver(far.port, transport="tcp")
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason) == ("failed", "gateway_error")
    assert far.methods() == ["INVITE"]


def test_connection_refused_is_the_gateways_error_and_down(driver):
    port = _closed_tcp_port()
    gateway, reports = driver(port, transport="tcp")
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    # the transport's words, not the 8 s setup timer's: the call failed as soon as the connection did
    assert (final.status, final.reason) == ("failed", "gateway_error")
    assert final.detail == f"SIP over TCP to 127.0.0.1:{port}: Connection refused"
    assert gateway.health() == (False, final.detail)
    assert [e.status for e in reports.of("c1")] == ["failed"]


def test_dropped_connection_fails_the_ringing_calls_then_reconnects(endpoint, driver):
    far = endpoint(final=None, transport="tcp")
    gateway, reports = driver(far.port, transport="tcp")
    gateway.gateway = gateway.gateway.__class__(**{**gateway.gateway.__dict__, "ring_seconds": 30.0})
    gateway.dial(dial("c1"))
    gateway.dial(dial("c2"))
    _wait(lambda: all(any(e.status == "ringing" for e in reports.of(c)) for c in ("c1", "c2")))
    far.drop_connections()
    for call_id in ("c1", "c2"):
        final = reports.final(call_id)
        assert (final.status, final.reason) == ("failed", "gateway_error")
        assert final.detail == f"SIP over TCP to 127.0.0.1:{far.port}: the far end closed the connection"
    assert gateway.health().up is False
    _wait(lambda: gateway.calls == {})
    gateway.gateway = gateway.gateway.__class__(**{**gateway.gateway.__dict__, "ring_seconds": 0.3})
    gateway.dial(dial("c3"))  # a new connection, on demand
    assert reports.final("c3").status == "delivered"
    assert far.accepted == 2
    assert gateway.health().up is True


def test_options_probe_over_tcp(endpoint):
    far = endpoint(final=None, transport="tcp")
    answer = sip.options("127.0.0.1", far.port, timeout=3, transport="tcp")
    assert answer.ok and answer.detail == "SIP 200 OK" and answer.rtt_ms is not None
    options = next(headers for method, headers in far.received if method == "OPTIONS")
    assert options["via"][0].startswith("SIP/2.0/TCP ")
    _wait(lambda: not far.connections)  # the probe's connection is closed again
    port = _closed_tcp_port()
    refused = sip.options("127.0.0.1", port, timeout=3, transport="tcp")
    assert refused == (False, None, "SIP over TCP: Connection refused")


def test_options_probe_of_a_tcp_gateway_speaks_tcp(endpoint):
    far = endpoint(final=None, transport="tcp")
    gateway = GatewayConfig(7, "sip", "trunk", host="127.0.0.1", port=far.port, transport="tcp")
    assert sip.SipDriver.probe(gateway, timeout=3).ok
    assert far.methods() == ["OPTIONS"]


def test_the_stream_is_cut_by_content_length():
    first = b"SIP/2.0 200 OK\r\nCall-ID: a\r\nContent-Length: 10\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\ns=-\r\n"
    second = b"INVITE sip:x@y SIP/2.0\r\nl: 5\r\nCall-ID: b\r\n\r\nhello"
    stream = b"\r\n\r\n" + first + b"\r\n" + second  # keepalive CRLFs before and between messages
    reader = MessageReader()
    messages = []
    for n in range(0, len(stream), 7):  # arriving in pieces
        messages += reader.feed(stream[n:n + 7])
    assert messages == [first, second]
    assert reader.feed(b"") == [] and reader.buffer == bytearray()
    with pytest.raises(FramingError):
        MessageReader().feed(b"X" * (70 * 1024))
