"""Gateway drivers: the interface every driver implements, and the registry from a gateway's kind
to its driver class (no if-chains: a new kind registers itself in DRIVERS).

A driver starts calls and reports what happens to them as it happens, by calling `report(event)`
from whatever thread it runs; it never blocks its caller on the network. Drivers with an event
loop of their own (sippy's, asyncio's) keep it in their own thread."""
from typing import Protocol

from .ami import AmiDriver
from .simulator import SimulatorDriver
from .sip import SipDriver


class GatewayDriver(Protocol):
    kind: str

    def __init__(self, gateway, settings, report):
        """`gateway` is a telephony.gateways.GatewayConfig; `report(Event)` is thread-safe."""

    def start(self):
        """Start its threads or connections (returns at once)."""

    def stop(self):
        """Stop them; calls still in flight are abandoned (the dispatcher's leases cover them)."""

    def dial(self, request):
        """Start ringing a events.Dial; events follow through `report`. Returns at once."""

    def cancel(self, call_id):
        """End the call now if it is still up (client cancel, lease lost, shutdown); reports nothing."""

    @classmethod
    def probe(cls, gateway, timeout):
        """«Test connection» (blocks up to `timeout`): an events.Probe."""

    def health(self):
        """An events.Health: whether the gateway answers, and the last error seen."""

    def applied(self, moves):
        """Hook run in the dispatcher's transaction once the engine applied a batch of events:
        `moves` lists (call, event) pairs, the call a verification.rows.CallRow. Does not commit."""


class DriverError(RuntimeError):
    """No driver can serve this gateway."""


DRIVERS = {driver.kind: driver for driver in (SimulatorDriver, SipDriver, AmiDriver)}


def driver_class(kind):
    try:
        return DRIVERS[kind]
    except KeyError:
        raise DriverError(f"no driver for gateway kind {kind!r}") from None


def probe(gateway, timeout=5.0):
    """«Test connection» for a GatewayConfig: SIP OPTIONS, AMI Login + Ping. Blocks up to `timeout`."""
    return driver_class(gateway.kind).probe(gateway, timeout)
