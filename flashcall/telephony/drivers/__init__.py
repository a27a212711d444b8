"""Gateway drivers: the interface every driver implements, and the registry from a gateway's kind
to its driver class (no if-chains: a new kind registers itself here)."""
from typing import Protocol

from .simulator import SimulatorGateway


class GatewayDriver(Protocol):
    kind: str

    def place(self, call):
        """Start the call; return its plan (a list of plan.Step)."""

    def on_ringing(self, call, now):
        """Hook when the call starts ringing (the simulator fills its inbox)."""


class GatewayError(RuntimeError):
    """The gateway could not place the call."""


DRIVERS = {SimulatorGateway.kind: SimulatorGateway}


def driver_for(row, settings):
    """The driver for a Gateway row (the simulator when there is none), built with `settings`."""
    kind = row.kind if row is not None else SimulatorGateway.kind
    driver_class = DRIVERS.get(kind)
    if driver_class is None:
        raise GatewayError(f"no driver for gateway kind {kind!r}")
    return driver_class(row, settings)
