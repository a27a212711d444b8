"""The AMI driver's calls and connection beyond the plain outcomes: what each call's timeline says
(Reason and cause words, where the ringing came from), a Hangup that comes after the
OriginateResponse or never, an Originate refused or never answered, the channel and dialplan a
blank form gives, cancel and stop, and what the operator's health line says after each kind of drop."""
import random

import pytest

from flashcall.settings import Settings
from flashcall.telephony.drivers import ami as ami_module
from flashcall.telephony.drivers.ami import AmiDriver
from flashcall.telephony.events import Health

from .ami_server import AmiServer, gateway_for, server  # noqa: F401  (server: the fixture)
from .events import Reports, dial
from tests.waiting import eventually

CHANNEL = "PJSIP/09121234567@trunk"


@pytest.fixture
def driver(server):
    drivers = []

    def start(on=None, **overrides):
        reports = Reports()
        drivers.append(AmiDriver(gateway_for(on or server, **overrides), Settings(), reports))
        drivers[-1].start()
        return drivers[-1], reports
    yield start
    for each in drivers:
        each.stop()


def _up(ami):
    eventually(lambda: ami.health().up is True, timeout=15)
    return ami


def _timeline(reports, call_id):
    reports.final(call_id)
    return [(e.status, e.reason, e.detail) for e in reports.of(call_id)]


def test_the_timeline_names_reason_and_hangup_cause(server, driver):
    server.outcomes[CHANNEL] = (5, 17, False)
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    assert _timeline(reports, "call-1") == [("failed", "busy", "AMI Reason 5 (busy); Hangup cause 17 (User busy)")]


def test_a_reason_asterisk_does_not_document_is_a_question_mark(server, driver):
    server.outcomes[CHANNEL] = (2, 99, False)
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    assert _timeline(reports, "call-1") == [("failed", "gateway_error", "AMI Reason 2 (?); Hangup cause 99 (Unknown)")]


def test_ringing_comes_from_newstate_when_asterisk_says_so(server, driver):
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    assert _timeline(reports, "call-1") == [
        ("ringing", None, "AMI Newstate Ringing"),
        ("delivered", None, "AMI Reason 3 (ringing, not answered); Hangup cause 19 (No answer)")]


@pytest.mark.parametrize("reason, cause, status, words", [
    (3, 19, "delivered", "ringing, not answered"),
    (4, 16, "answered", "answered"),
])
def test_a_call_that_rang_without_newstate_still_rang(server, driver, reason, cause, status, words):
    server.outcomes[CHANNEL] = (reason, cause, False)
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    text = {19: "No answer", 16: "Normal Clearing"}[cause]
    assert _timeline(reports, "call-1") == [
        ("ringing", None, "AMI: rang"), (status, None, f"AMI Reason {reason} ({words}); Hangup cause {cause} ({text})")]


@pytest.mark.parametrize("reason, cause, failure, words", [
    (0, 17, "busy", "failed"),
    (1, 18, "unreachable", "no answer"),
])
def test_a_hangup_after_the_originate_response_still_decides(server, driver, reason, cause, failure, words):
    server.outcomes[CHANNEL] = (reason, cause, False)
    server.response_first.add(CHANNEL)
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    text = {17: "User busy", 18: "No user responding"}[cause]
    assert _timeline(reports, "call-1") == [
        ("failed", failure, f"AMI Reason {reason} ({words}); Hangup cause {cause} ({text})")]


@pytest.mark.parametrize("reason, failure, words", [
    (1, "unreachable", "no answer"),
    (0, "gateway_error", "failed"),
])
def test_without_any_hangup_the_reason_alone_decides(server, driver, reason, failure, words):
    server.outcomes[CHANNEL] = (reason, 0, False)
    server.no_hangup.add(CHANNEL)
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    assert _timeline(reports, "call-1") == [("failed", failure, f"AMI Reason {reason} ({words})")]


def test_a_long_cause_text_is_cut_to_200_characters(server, driver):
    server.outcomes[CHANNEL] = (5, 17, False)
    server.cause_texts[17] = "b" * 300
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    detail = reports.final("call-1").detail
    assert detail == "AMI Reason 5 (busy); Hangup cause 17 (" + "b" * 162


def test_an_originate_refused_at_once_fails_the_call_with_asterisks_words(server, driver):
    server.originate_error = "Originate failed"
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    assert _timeline(reports, "call-1") == [("failed", "gateway_error", "AMI Originate Error: Originate failed")]


def test_a_long_refusal_is_cut_to_200_characters(server, driver):
    server.originate_error = "x" * 300
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    assert reports.final("call-1").detail == "AMI Originate Error: " + "x" * 179


def test_no_originate_response_after_the_ring_time_and_margin_is_a_gateway_error(server, driver, monkeypatch):
    monkeypatch.setattr(ami_module, "RESPONSE_MARGIN", 0.5)
    server.no_response.add(CHANNEL)
    ami, reports = driver(ring_seconds=0.5)
    _up(ami).dial(dial("call-1"))
    final = reports.final("call-1")
    assert (final.status, final.reason, final.detail) == ("failed", "gateway_error", "AMI: no OriginateResponse")


def test_a_blank_channel_is_pjsip_trunk_with_the_e164_number(server, driver):
    ami, reports = driver(channel=None)
    _up(ami).dial(dial("call-1", "+989121234567"))
    reports.final("call-1")
    assert server.originates[0]["Channel"] == "PJSIP/+989121234567@trunk"


@pytest.mark.parametrize("context, expected", [
    ("flashcall-out", ("flashcall-out", "s", "1")),
    ("flashcall-out, 100", ("flashcall-out", "100", "1")),
    ("flashcall-out,100,2", ("flashcall-out", "100", "2")),
])
def test_a_context_without_exten_or_priority_starts_at_s_1(server, driver, context, expected):
    ami, reports = driver(context=context)
    _up(ami).dial(dial("call-1"))
    reports.final("call-1")
    sent = server.originates[0]
    assert (sent["Context"], sent["Exten"], sent["Priority"]) == expected


def test_blank_credentials_log_in_with_empty_username_and_secret(driver):
    server = AmiServer(username="", secret="")
    try:
        ami, _reports = driver(on=server, username=None, secret=None)
        _up(ami)
        assert server.logins == [("", True)]
    finally:
        server.stop()


def test_the_gateways_host_is_where_it_connects(driver):
    host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    server = AmiServer(host=host)
    try:
        ami, reports = driver(on=server)
        _up(ami).dial(dial("call-1"))
        assert reports.final("call-1").status == "delivered"
    finally:
        server.stop()


def test_a_refused_login_says_what_asterisk_said(server, driver):
    ami, _reports = driver(secret="wrong")
    eventually(lambda: ami.health().up is False, timeout=15)
    assert ami.health() == Health(False, "AMI: login refused: Authentication failed")


def test_retries_back_off_doubling(server, driver):
    driver(secret="wrong")
    eventually(lambda: len(server.login_times) >= 3, timeout=20)
    first, second, third = server.login_times[:3]
    assert second - first >= 0.9 and third - second >= 1.9  # 1 s, then 2 s: never faster


def test_a_gateway_that_lets_us_in_later_is_reconnected(server, driver):
    ami, _reports = driver(secret="not-yet")
    eventually(lambda: ami.health().up is False, timeout=15)
    server.secret = "not-yet"
    eventually(lambda: ami.health().up is True, timeout=15)
    assert ami.health() == Health(True, "AMI: login refused: Authentication failed")


def test_a_silent_gateway_times_out(driver, monkeypatch):
    monkeypatch.setattr(ami_module, "CONNECT_SECONDS", 0.5)
    import socket
    with socket.socket() as listener:  # accepts, never answers the Login
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        silent = AmiServer.__new__(AmiServer)
        silent.host, silent.port = "127.0.0.1", listener.getsockname()[1]
        ami, _reports = driver(on=silent)
        eventually(lambda: ami.health().up is False, timeout=15)
    assert ami.health() == Health(False, "AMI: TimeoutError")


def test_a_reset_connection_says_so_and_the_health_keeps_the_last_error(server, driver):
    ami, _reports = driver()
    _up(ami)
    server.reset_connections()
    eventually(lambda: ami.health().up is False, timeout=15, interval=0.01)
    assert ami.health() == Health(False, "AMI: connection lost ([Errno 104] Connection reset by peer)")
    eventually(lambda: ami.health().up is True, timeout=15)
    assert ami.health() == Health(True, "AMI: connection lost ([Errno 104] Connection reset by peer)")


def test_asterisk_shutting_down_is_a_plain_connection_lost(server, driver):
    ami, _reports = driver()
    _up(ami)
    server.shut_down()
    eventually(lambda: ami.health().up is False, timeout=15, interval=0.01)
    assert ami.health() == Health(False, "AMI: connection lost")


def test_a_call_cancelled_before_asterisk_named_its_channel_reports_nothing(server, driver):
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    ami.cancel("call-1")
    ami.dial(dial("call-2", "+989129999999"))
    assert reports.final("call-2").status == "delivered"
    # call-1's Originate may have left before the cancel reached the loop's thread (on a busy machine
    # it does). Then Asterisk names its channel, and that channel, only that one, is hung up. Either
    # way nothing is reported of call-1.
    sent = [o["ChannelId"] for o in server.originates]
    assert sent[-1] == "call-2" and reports.of("call-1") == []
    if "call-1" in sent:
        assert all("09121234567@" in hangup["Channel"] for hangup in server.hangups), server.hangups
    else:
        assert server.hangups == []


def test_cancel_hangs_up_with_normal_clearing(server, driver):
    server.hold.add(CHANNEL)
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    eventually(lambda: server.originates, timeout=15)
    eventually(lambda: ami.calls.get("call-1") and ami.calls["call-1"].channel, timeout=15)
    ami.cancel("call-1")
    eventually(lambda: server.hangups, timeout=15)
    assert (server.hangups[0]["Channel"], server.hangups[0]["Cause"]) == ("PJSIP/09121234567@trunk-00000001", "16")


def test_stop_hangs_up_the_calls_in_flight_and_only_those(server, driver):
    server.hold.add("PJSIP/09129999999@trunk")
    ami, reports = driver()
    _up(ami).dial(dial("call-1"))
    assert reports.final("call-1").status == "delivered"
    ami.dial(dial("call-2", "+989129999999"))
    eventually(lambda: ami.calls.get("call-2") and ami.calls["call-2"].channel, timeout=15)
    ami.stop()
    eventually(lambda: server.hangups, timeout=15)
    assert [h["Channel"] for h in server.hangups] == ["PJSIP/09129999999@trunk-00000001"]
    eventually(lambda: not server.writers, timeout=15)  # and the connection is closed
    assert reports.of("call-2") == []
