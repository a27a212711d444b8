"""The Asterisk AMI driver against a local server speaking the AMI protocol: Originate's fields,
each OriginateResponse Reason and Hangup cause, a wrong secret, a dropped connection."""
import time

import pytest

from flashcall.settings import Settings
from flashcall.telephony.drivers.ami import AmiDriver

from .ami_server import gateway_for, server  # noqa: F401  (server: the fixture)
from .events import Reports, dial
from tests.waiting import eventually


def _wait(predicate, timeout=15):
    eventually(predicate, timeout=timeout, interval=0.02)


@pytest.fixture
def driver(server):
    drivers = []

    def start(**overrides):
        reports = Reports()
        drivers.append(AmiDriver(gateway_for(server, **overrides), Settings(), reports))
        drivers[-1].start()
        return drivers[-1], reports
    yield start
    for each in drivers:
        each.stop()


def _connected(ami):
    _wait(lambda: ami.health().up is not None)
    return ami


def test_originate_carries_what_asterisk_needs(server, driver):
    ami, reports = driver()
    _connected(ami).dial(dial("call-1", "+989121234567", "+982191001234"))
    assert reports.final("call-1").status == "delivered"
    sent = server.originates[0]
    assert sent["Channel"] == "PJSIP/09121234567@trunk" and sent["ChannelId"] == "call-1"
    assert sent["Async"] == "true" and sent["Timeout"] == "2000" and sent["Application"] == "Hangup"
    assert sent["CallerID"] == '"+982191001234" <+982191001234>'


def test_a_context_replaces_application_hangup(server, driver):
    ami, reports = driver(context="flashcall-out,s,1")
    _connected(ami).dial(dial("call-1"))
    reports.final("call-1")
    sent = server.originates[0]
    assert (sent["Context"], sent["Exten"], sent["Priority"]) == ("flashcall-out", "s", "1")
    assert "Application" not in sent


@pytest.mark.parametrize("reason, cause, rang, status, failure", [
    (3, 19, True, "delivered", None),
    (4, 16, True, "answered", None),
    (5, 17, False, "failed", "busy"),
    (8, 34, False, "failed", "gateway_error"),
    (0, 1, False, "failed", "invalid_number"),
    (1, 18, False, "failed", "unreachable"),
    (0, 21, False, "failed", "rejected"),
    (0, 99, False, "failed", "gateway_error"),
])
def test_each_outcome(server, driver, reason, cause, rang, status, failure):
    server.outcomes["PJSIP/09121234567@trunk"] = (reason, cause, rang)
    ami, reports = driver()
    _connected(ami).dial(dial("call-1"))
    final = reports.final("call-1")
    assert (final.status, final.reason) == (status, failure)
    assert final.detail.startswith(f"AMI Reason {reason} ") and f"Hangup cause {cause} " in final.detail
    assert [e.status for e in reports.of("call-1")][:-1] == (["ringing"] if rang else [])


def test_a_wrong_secret_is_a_down_gateway_and_its_calls_fail(server, driver):
    ami, reports = driver(secret="wrong")
    _wait(lambda: ami.health().up is False)
    assert "login refused" in ami.health().error
    ami.dial(dial("call-1"))
    final = reports.final("call-1")
    assert (final.status, final.reason) == ("failed", "gateway_error") and server.originates == []


def test_a_dropped_connection_fails_the_calls_in_flight_and_reconnects(server, driver):
    server.hold.add("PJSIP/09121234567@trunk")
    ami, reports = driver()
    _connected(ami).dial(dial("call-1"))
    _wait(lambda: server.originates)
    server.drop_connections()
    final = reports.final("call-1")
    assert (final.status, final.reason, final.detail) == ("failed", "gateway_error", "AMI: connection lost")
    _wait(lambda: ami.health().up is True and len(server.logins) == 2)
    ami.dial(dial("call-2", "+989129999999"))
    assert reports.final("call-2").status == "delivered"


def test_cancel_hangs_the_channel_up(server, driver):
    server.hold.add("PJSIP/09121234567@trunk")
    ami, reports = driver()
    _connected(ami).dial(dial("call-1"))
    _wait(lambda: server.originates)
    time.sleep(0.1)  # the Newchannel event names the channel
    ami.cancel("call-1")
    _wait(lambda: server.hangups)
    assert server.hangups[0]["Channel"] == "PJSIP/09121234567@trunk-00000001"
    assert reports.of("call-1") == []


def test_probe(server):
    answer = AmiDriver.probe(gateway_for(server), 3)
    assert answer.ok and answer.rtt_ms is not None and "Ping Pong" in answer.detail
    refused = AmiDriver.probe(gateway_for(server, secret="wrong"), 3)
    assert not refused.ok and "login refused" in refused.detail
