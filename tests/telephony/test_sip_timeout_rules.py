"""The SIP driver's call timers (sip._Call), rule by rule, against a local SIP endpoint on loopback: a
call that got only 100 Trying fails as unreachable in the timer's words; a trunk that never answers
is the gateway's error, in words, and marks the gateway down saying why; either way the call is
forgotten; and a call that rings is ended by its ringing time, not by the setup timer it replaced.

SETUP_SECONDS is shortened for the test (the timers are the rule, not their default length)."""
from flashcall.telephony.drivers import sip

from .events import dial
from tests.waiting import eventually


def test_a_call_that_only_got_trying_fails_as_unreachable_in_the_timers_words(endpoint, driver, monkeypatch):
    """100 Trying and then nothing: after SETUP_SECONDS (0.5 s here) the call fails as unreachable,
    saying no 180/183 came within 0.5 s, and the driver forgets it."""
    monkeypatch.setattr(sip, "SETUP_SECONDS", 0.5)
    far = endpoint(final=None, ring=False)
    gateway, reports = driver(far.port)
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason, final.detail) == ("failed", "unreachable", "SIP: no 180/183 within 0.5 s")
    eventually(lambda: gateway.calls == {}, timeout=10, message=lambda: f"the call to be forgotten: {gateway.calls}")
    assert [e.status for e in reports.of("c1")] == ["failed"]


def test_a_trunk_that_never_answers_is_the_gateways_error_and_marks_it_down(endpoint, driver, monkeypatch):
    """An INVITE that gets no answer at all: after SETUP_SECONDS (0.5 s here) the call fails as the
    gateway's error in those words, the gateway's health is down with "SIP: no answer to INVITE", and
    the driver forgets the call."""
    monkeypatch.setattr(sip, "SETUP_SECONDS", 0.5)
    far = endpoint(final=None, mute=True)
    gateway, reports = driver(far.port)
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason, final.detail) == (
        "failed", "gateway_error", "SIP: no answer to INVITE within 0.5 s")
    assert gateway.health() == (False, "SIP: no answer to INVITE")
    eventually(lambda: gateway.calls == {}, timeout=10, message=lambda: f"the call to be forgotten: {gateway.calls}")
    assert far.methods()[0] == "INVITE"


def test_a_ringing_call_is_ended_by_its_ringing_time_not_the_setup_timer(endpoint, driver, monkeypatch):
    """A call that rings at once, with a ringing time (3 s) longer than the setup timer (1.5 s): the
    setup timer is replaced, so the call rings its whole 3 s and is delivered with CANCEL."""
    monkeypatch.setattr(sip, "SETUP_SECONDS", 1.5)
    far = endpoint(final=None)
    gateway, reports = driver(far.port)
    gateway.gateway = gateway.gateway.__class__(**{**gateway.gateway.__dict__, "ring_seconds": 3.0})
    gateway.dial(dial("c1"))
    final = reports.final("c1")
    assert (final.status, final.reason, final.detail) == ("delivered", None, "SIP CANCEL after 3 s of ringing")
    assert [e.status for e in reports.of("c1")] == ["ringing", "delivered"]
    eventually(lambda: "CANCEL" in far.methods(), timeout=10, message="the CANCEL to reach the trunk")
