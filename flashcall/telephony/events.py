"""What passes between the dispatcher and a driver: a call to dial, the events the gateway reports
about it as they arrive (at times nobody knows in advance), and the gateway's health and probes."""
from typing import NamedTuple

from ..clock import utcnow

STATUSES = ("ringing", "delivered", "answered", "failed")


class Dial(NamedTuple):
    """One call for a driver to place: ring `phone` from `caller_number` (for its gateway's ring time)."""
    call_id: str
    phone: str  # E.164
    caller_number: str  # E.164; its last digits are the code
    at: object  # the moment the call was marked dialing (UTC datetime)


class Event(NamedTuple):
    """What the gateway said about one call. `detail` keeps its own words (SIP status and reason,
    AMI Reason and cause) for the call's timeline."""
    call_id: str
    status: str  # ringing | delivered | answered | failed
    reason: str | None = None  # when failed: busy, invalid_number, unreachable, rejected, gateway_error
    detail: str | None = None
    at: object = None  # UTC datetime; None: when it was received

    def stamped(self):
        return self if self.at is not None else self._replace(at=utcnow())


class Health(NamedTuple):
    up: bool | None  # None: not known yet
    error: str | None = None


class Probe(NamedTuple):
    """The answer to «test connection»: reachable or not, the round trip, and what was said."""
    ok: bool
    rtt_ms: float | None
    detail: str
