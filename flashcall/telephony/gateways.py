"""The gateway interface and the lookup from a Gateway row to its driver."""
from typing import Protocol

from flask import current_app

from .simulator import SimulatorGateway


class GatewayDriver(Protocol):
    kind: str

    def place(self, call):
        """Start the call; return its plan (a list of plan.Step)."""

    def on_ringing(self, call, now):
        """Hook when the call starts ringing (the simulator fills its inbox)."""


class GatewayError(RuntimeError):
    """The gateway could not place the call."""


def driver_for(row):
    """The driver for a Gateway row; only the simulator exists so far."""
    if row is None or row.kind == "simulator":
        config = current_app.config
        return SimulatorGateway(row, float(config.get("SIM_RING_DELAY", 0)), float(config.get("SIM_RING_SECONDS", 0)))
    raise GatewayError(f"no driver for gateway kind {row.kind!r}")
