"""The SIP driver's reading of sippy's call events (sip._Call.on_event), rule by rule, with events
handed straight to a call (no network): 180 rings once, in the status line's words; a 2-element event
(code, reason) is read as such and an event without data as no code; a connect or pre-connect is
answered and proves the trunk alive; a final error marks the trunk up unless it is 403/503 or no code
at all; a disconnect from the far end is the gateway's error in words; any other event changes
nothing. Then the stack's TCP side (sip.SipStack._tcp_handle): a trunk's OPTIONS over a connection it
opened is answered 200 on that connection."""
import socket
import types

from flashcall.settings import Settings
from flashcall.telephony.drivers import sip
from flashcall.telephony.events import Health
from flashcall.telephony.gateways import GatewayConfig

from .events import Reports, dial
from tests.waiting import eventually


class _Timer:
    """sippy's Timeout stand-in: records what it would call after how long; never fires."""
    made = []

    def __init__(self, callback, seconds):
        self.callback, self.seconds, self.cancelled = callback, seconds, False
        _Timer.made.append(self)

    def cancel(self):
        self.cancelled = True


def _event(name, data):
    """An event object whose class is named like sippy's (on_event goes by the class name)."""
    return type(name, (), {"getData": lambda self: data})()


def _call(transport_error=None):
    """A _Call of a real SipDriver whose stack is a stand-in (timers recorded, no UA: hang_up is a no-op)."""
    reports = Reports()
    gateway = GatewayConfig(7, "sip", "trunk", host="127.0.0.1", port=5060, ring_seconds=0.3)
    driver = sip.SipDriver(gateway, Settings(sip_address="127.0.0.1"), reports)
    driver.stack = types.SimpleNamespace(s={"Timeout": _Timer},
                                         tm=types.SimpleNamespace(transport_error=transport_error))
    call = sip._Call(driver, dial("c1"))
    driver.calls["c1"] = call
    return call, driver, reports


def _seen(reports):
    return [(e.status, e.reason, e.detail) for e in reports.events]


def test_a_180_rings_once_in_the_status_lines_words():
    """Two 180s with (code, reason) data: one ringing report "SIP 180 Ringing", the ring timer set to
    the gateway's ring time, the trunk marked up; the second 180 reports nothing more."""
    call, driver, reports = _call()
    call.on_event(_event("CCEventRing", (180, "Ringing")), None)
    call.on_event(_event("CCEventRing", (180, "Ringing")), None)
    assert _seen(reports) == [("ringing", None, "SIP 180 Ringing")]
    assert call.ringing is True and call.timer.seconds == 0.3
    assert driver.health() == Health(True, None)


def test_a_pre_connect_is_answered_and_proves_the_trunk_alive():
    """CCEventPreConnect (200 with early media) counts as an answer like CCEventConnect: the call ends
    answered, "SIP 200 OK; BYE sent", the trunk is up and the call is forgotten."""
    call, driver, reports = _call()
    call.on_event(_event("CCEventPreConnect", (200, "OK")), None)
    assert _seen(reports) == [("answered", None, "SIP 200 OK; BYE sent")]
    assert driver.health() == Health(True, None)
    assert driver.calls == {}


def test_a_connect_is_answered_and_proves_the_trunk_alive():
    """CCEventConnect: answered, "SIP 200 OK; BYE sent", the trunk up."""
    call, driver, reports = _call()
    call.on_event(_event("CCEventConnect", (200, "OK")), None)
    assert _seen(reports) == [("answered", None, "SIP 200 OK; BYE sent")]
    assert driver.health() == Health(True, None)


def test_a_busy_answer_fails_the_call_and_shows_the_trunk_alive():
    """A 486 (code, reason): failed as busy in the status line's words; any answer but 403/503 means
    the trunk is up."""
    call, driver, reports = _call()
    call.on_event(_event("CCEventFail", (486, "Busy Here")), None)
    assert _seen(reports) == [("failed", "busy", "SIP 486 Busy Here")]
    assert driver.health() == Health(True, None)


def test_a_403_or_503_does_not_mark_the_trunk_up():
    """403 and 503 are the trunk's own refusal: the call fails as the gateway's error and the trunk's
    health stays unknown."""
    for code, text in ((403, "Forbidden"), (503, "Service Unavailable")):
        call, driver, reports = _call()
        call.on_event(_event("CCEventFail", (code, text)), None)
        assert _seen(reports) == [("failed", "gateway_error", f"SIP {code} {text}")]
        assert driver.health() == Health(None, None)


def test_a_failure_without_data_is_no_code_and_does_not_mark_the_trunk_up():
    """A CCEventFail carrying no data: failed as the gateway's error, "SIP None " (no code, empty
    reason), and the trunk's health stays unknown."""
    call, driver, reports = _call()
    call.on_event(_event("CCEventFail", None), None)
    assert _seen(reports) == [("failed", "gateway_error", "SIP None ")]
    assert driver.health() == Health(None, None)


def test_a_broken_tcp_connection_marks_the_trunk_down_in_its_words():
    """A CCEventFail while the TCP transport reports what broke: failed as the gateway's error in those
    words, and the trunk down with them."""
    call, driver, reports = _call(transport_error="SIP over TCP to 127.0.0.1:5060: Connection refused")
    call.on_event(_event("CCEventFail", (503, "Service Unavailable")), None)
    assert _seen(reports) == [("failed", "gateway_error", "SIP over TCP to 127.0.0.1:5060: Connection refused")]
    assert driver.health() == Health(False, "SIP over TCP to 127.0.0.1:5060: Connection refused")


def test_a_disconnect_from_the_far_end_is_the_gateways_error_in_words():
    """CCEventDisconnect before any answer: failed, gateway_error, "SIP: the far end ended the call";
    the call is forgotten."""
    call, driver, reports = _call()
    call.on_event(_event("CCEventDisconnect", None), None)
    assert _seen(reports) == [("failed", "gateway_error", "SIP: the far end ended the call")]
    assert driver.calls == {}


def test_an_event_the_driver_does_not_know_changes_nothing():
    """Any other event (an INFO, an UPDATE …): nothing reported, the call still in flight."""
    call, driver, reports = _call()
    call.on_event(_event("CCEventInfo", None), None)
    call.on_event(_event("CCEventUpdate", (200, "OK")), None)
    assert _seen(reports) == []
    assert driver.calls == {"c1": call} and call.done is False


_OPTIONS = ("OPTIONS sip:flashcall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP {host}:{port};branch=z9hG4bKevents1\r\n"
            "From: <sip:trunk@127.0.0.1>;tag=t1\r\nTo: <sip:flashcall@127.0.0.1>\r\nCall-ID: events-keepalive@trunk\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")


def test_a_trunks_options_over_its_own_tcp_connection_is_answered_on_it(driver):
    """A trunk that opens a TCP connection to the stack and sends OPTIONS gets "SIP/2.0 200 OK" back on
    that same connection, for its Call-ID."""
    gateway, _reports = driver(5060, transport="tcp")
    tcp = gateway.stack.tm.tcp
    with socket.create_connection(tcp.uopts.laddress, timeout=10) as trunk:
        host, port = trunk.getsockname()
        trunk.sendall(_OPTIONS.format(host=host, port=port).encode())
        received = []

        def answered():
            received.append(trunk.recv(65535))
            return b"\r\n\r\n" in b"".join(received)
        eventually(answered, timeout=10, message="an answer on the trunk's connection")
    answer = b"".join(received).decode()
    assert answer.startswith("SIP/2.0 200 OK\r\n")
    assert "Call-ID: events-keepalive@trunk\r\n" in answer
