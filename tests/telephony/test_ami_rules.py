"""The AMI driver, rule by rule: how the probe reads Asterisk's messages (only CRLF ends a line, a blank
line before a message is skipped, a value may hold a colon), what it says of a refused login without a
Message and of the Ping's word, its round trip in milliseconds to a tenth; and what cancelling a call
does (its Originate is abandoned; a call already ended is left alone, without an error).

The probe's far end is either tests.telephony.ami_server.AmiServer or, for the framing rules, a
scripted server on loopback that writes exactly the bytes the test gives."""
import logging
import socket
import threading
import time

import pytest

from flashcall.settings import Settings
from flashcall.telephony.drivers import ami as ami_module
from flashcall.telephony.drivers.ami import AmiDriver
from flashcall.telephony.events import Probe
from flashcall.telephony.gateways import GatewayConfig

from .ami_server import AmiServer, gateway_for, server  # noqa: F401  (server: the fixture)
from .events import Reports, dial
from tests.waiting import eventually

BANNER = b"Asterisk Call Manager/5.0.2\r\n"


class _Scripted:
    """An AMI peer on loopback for one connection: the banner, then for each action read (up to its
    blank line) the bytes `answer(action_text)` gives, written as they are."""

    def __init__(self, answer):
        self.answer = answer
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.actions = []
        threading.Thread(target=self._serve, daemon=True, name="ami-scripted").start()

    def _serve(self):
        try:
            connection, _peer = self.sock.accept()
        except OSError:
            return
        with connection:
            connection.sendall(BANNER)
            data = b""
            while True:
                chunk = connection.recv(65535)
                if not chunk:
                    return
                data += chunk
                while b"\r\n\r\n" in data:
                    action, data = data.split(b"\r\n\r\n", 1)
                    self.actions.append(action.decode())
                    connection.sendall(self.answer(action.decode()))

    def close(self):
        self.sock.close()


def _probe_scripted(answer):
    far = _Scripted(answer)
    try:
        return AmiDriver.probe(GatewayConfig(9, "ami", "pbx", host="127.0.0.1", port=far.port,
                                             username="flashcall", secret="s3cret"), 5)
    finally:
        far.close()


def _login_refused(*fields, before=b""):
    """A login answer: Response: Error, the probe's ActionID, then `fields` as given."""
    def answer(action):
        if "Action: Login" not in action:
            return b"Response: Error\r\nMessage: not logged in\r\n\r\n"
        return before + b"Response: Error\r\nActionID: probe-login\r\n" + b"".join(fields) + b"\r\n"
    return answer


def test_a_refused_login_without_a_message_says_only_refused():
    """Asterisk refusing the Login without a Message: the detail ends after «refused: », nothing made up."""
    assert _probe_scripted(_login_refused()) == Probe(False, None, "AMI: login refused: ")


def test_a_value_keeps_the_colons_after_the_first():
    """A header is split at its first colon: «Message: Permission denied: no such user» is the whole
    message."""
    answer = _probe_scripted(_login_refused(b"Message: Permission denied: no such user\r\n"))
    assert answer == Probe(False, None, "AMI: login refused: Permission denied: no such user")


def test_a_blank_line_before_a_message_is_skipped():
    """An empty line between messages (before the Login's answer) is not a message: the answer after it
    is read."""
    answer = _probe_scripted(_login_refused(b"Message: Authentication failed\r\n", before=b"\r\n"))
    assert answer == Probe(False, None, "AMI: login refused: Authentication failed")


def test_only_crlf_ends_a_line():
    """AMI lines end with CRLF: a bare line feed inside a value belongs to the value."""
    answer = _probe_scripted(_login_refused(b"Message: Authentication failed\nfor user flashcall\r\n"))
    assert answer == Probe(False, None, "AMI: login refused: Authentication failed\nfor user flashcall")


def _gateway(port):
    return GatewayConfig(9, "ami", "pbx", host="127.0.0.1", port=port, username="flashcall", secret="s3cret")


@pytest.mark.parametrize("ping_answer, word", [
    ({"Response": "Success", "Ping": "Pong", "Timestamp": "1700000000.000000"}, "Pong"),
    ({"Response": "Success", "Ping": "Ok"}, "Ok"),  # the word Asterisk gave, whatever it is
    ({"Response": "Success"}, "Pong"),  # none given: Pong
])
def test_the_detail_repeats_the_pings_word(servers, ping_answer, word):
    """The probe's detail is the banner and the Ping's word as Asterisk sent it (Pong when it sent none)."""
    server = servers()
    server.ping_answer = ping_answer
    answer = AmiDriver.probe(_gateway(server.port), 5)
    assert (answer.ok, answer.detail) == (True, f"Asterisk Call Manager/5.0.2; Ping {word}")


class _Clock:
    """ami.py's `time` while a test runs: `readings` in turn (the last one stays)."""

    def __init__(self, *readings):
        self.readings = list(readings)

    def monotonic(self):
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]

    def __getattr__(self, name):
        return getattr(time, name)


def test_the_round_trip_is_the_pings_in_milliseconds_to_a_tenth(servers, monkeypatch):
    """12.3456 ms between sending the Ping and its answer reads 12.3 (a float, one decimal)."""
    server = servers()
    monkeypatch.setattr(ami_module, "time", _Clock(100.0, 100.0123456))
    answer = AmiDriver.probe(_gateway(server.port), 5)
    assert answer == Probe(True, 12.3, "Asterisk Call Manager/5.0.2; Ping Pong")
    assert type(answer.rtt_ms) is float


CHANNEL = "PJSIP/09121234567@trunk"


@pytest.fixture
def driver(server):
    drivers = []

    def start(**overrides):
        reports = Reports()
        drivers.append(AmiDriver(gateway_for(server, **overrides), Settings(), reports))
        drivers[-1].start()
        eventually(lambda: drivers[-1].health().up is True, timeout=15)
        return drivers[-1], reports
    yield start
    for each in drivers:
        each.stop()


def test_a_cancelled_call_stops_waiting_for_its_originate_response(server, driver):
    """Cancelling a call whose outcome has not come yet abandons its Originate at once (the wait for
    the OriginateResponse is cancelled), and the call reports nothing."""
    server.hold.add(CHANNEL)
    ami, reports = driver()
    ami.dial(dial("call-1"))
    call = eventually(lambda: ami.calls.get("call-1") if ami.calls.get("call-1") and ami.calls["call-1"].channel
                      else None, timeout=15, message="Asterisk to name the call's channel")
    ami.cancel("call-1")
    # at once: without the cancel it would wait for the ring time and the 30 s margin
    eventually(lambda: call.task.done(), timeout=10, message="the call's Originate to be abandoned")
    eventually(lambda: server.hangups, timeout=15)
    assert reports.of("call-1") == []


def test_cancelling_a_call_that_already_ended_changes_nothing(server, driver, caplog):
    """A cancel that arrives after the call ended (its outcome reported): no Hangup is sent, no error is
    logged, and the next call goes through."""
    ami, reports = driver()
    ami.dial(dial("call-1"))
    assert reports.final("call-1").status == "delivered"
    with caplog.at_level(logging.ERROR):
        ami.cancel("call-1")
        ami.cancel("never-dialled")
        ami.dial(dial("call-2", "+989129999999"))  # after the cancels, in the loop's order
        assert reports.final("call-2").status == "delivered"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert server.hangups == []
    assert [e.status for e in reports.of("call-1")] == ["ringing", "delivered"]
