"""The AMI driver's ringing report (ami.AmiDriver._ringing), rule by rule, with a call handed straight to
it (no Asterisk): a call rings once, its event stamped with the time the driver saw it, in the words
given; a call already ended or already rung reports nothing."""
import datetime
import types

from flashcall.settings import Settings
from flashcall.telephony.drivers import ami
from flashcall.telephony.drivers.ami import AmiDriver
from flashcall.telephony.gateways import GatewayConfig

from .events import Reports, dial


def _driver():
    reports = Reports()
    gateway = GatewayConfig(9, "ami", "asterisk", host="127.0.0.1", port=5038)
    return AmiDriver(gateway, Settings(), reports), reports


def test_a_ringing_call_is_reported_once_stamped_with_the_time_it_rang(monkeypatch):
    """_ringing twice for one call: one ringing event, in the words given ("AMI Newstate Ringing"),
    stamped with the driver's clock when it rang (not left for the receiver to stamp)."""
    monkeypatch.setattr(ami, "utcnow", lambda: datetime.datetime(2026, 1, 2, 3, 4, 5))
    driver, reports = _driver()
    call = types.SimpleNamespace(request=dial("a1"), done=False)
    driver._ringing(call, "AMI Newstate Ringing")
    driver._ringing(call, "AMI: rang")
    assert [(e.call_id, e.status, e.reason, e.detail) for e in reports.events] == [
        ("a1", "ringing", None, "AMI Newstate Ringing")]
    assert reports.events[0].at == datetime.datetime(2026, 1, 2, 3, 4, 5)
    driver.loop.close()


def test_a_call_already_ended_reports_no_ringing():
    """A call marked done: _ringing reports nothing."""
    driver, reports = _driver()
    driver._ringing(types.SimpleNamespace(request=dial("a2"), done=True), "AMI: rang")
    assert reports.events == []
    driver.loop.close()
