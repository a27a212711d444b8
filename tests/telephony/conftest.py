"""Telephony fixtures: the engine's context and service fixtures, shared; a SIP endpoint on loopback
and a SIP driver pointed at it."""
import pytest

from flashcall.settings import Settings
from flashcall.telephony.drivers.sip import SipDriver
from flashcall.telephony.gateways import GatewayConfig
from tests.verification.conftest import PHONE, T0, ctx, service  # noqa: F401

from .ami_server import AmiServer
from .events import Reports
from .sip_uas import SipEndpoint

SETTINGS = Settings(sip_address="127.0.0.1")


def _on_demand(factory, stop):
    """A fixture's body: `factory(**kwargs)` made as the test asks, each one stopped with `stop` afterwards."""
    made = []

    def make(**kwargs):
        made.append(factory(**kwargs))
        return made[-1]
    yield make
    for each in made:
        stop(each)


@pytest.fixture
def endpoint():
    """SIP endpoints on loopback (tests/telephony/sip_uas.py), closed afterwards."""
    yield from _on_demand(SipEndpoint, SipEndpoint.close)


@pytest.fixture
def servers():
    """Local AMI servers (tests/telephony/ami_server.py), started on demand, stopped afterwards."""
    yield from _on_demand(AmiServer, AmiServer.stop)


@pytest.fixture
def driver():
    drivers = []

    def make(port, **settings):
        reports = Reports()
        gateway = GatewayConfig(7, "sip", "trunk", host="127.0.0.1", port=port, ring_seconds=0.3, **settings)
        drivers.append(SipDriver(gateway, SETTINGS, reports))
        drivers[-1].start()
        return drivers[-1], reports
    yield make
    for each in drivers:
        each.stop()
