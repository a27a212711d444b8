"""What a gateway promises for a placed call: timed steps the dispatcher applies when due."""
from typing import NamedTuple


class Step(NamedTuple):
    after: float  # seconds after dialling
    status: str  # ringing | delivered | answered | failed
    reason: str | None = None  # failure reason (busy, unreachable, rejected, gateway_error)
