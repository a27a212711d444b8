"""Which gateway places a service's calls, with its caller-number blocks: its own (else the
default one), or its fallback when that one is disabled, down or at its concurrency limit.

Read on every call creation, so a snapshot is kept per process for `cache_seconds` (the
factory sets it from GATEWAY_CACHE_SECONDS, default 2 s): another process's change to gateways
(or to their health, written by the dispatchers) applies within that time, a change made in
this process at once (the ORM events below clear it). Only the in-flight count of a gateway
with a concurrency limit is read each time.
"""
import threading
import time
from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.orm import joinedload

from ..db import db
from ..models import Call, Gateway, NumberBlock
from ..models.call import PENDING

# The simulator's default caller numbers: six free digits, enough for codes of 3 to 6 digits.
DEFAULT_SIM_BLOCK = "+9821910XXXXXX"

_lock = threading.Lock()
_cache = {}  # gateway id (None: the default gateway) -> (valid until, GatewayView or None)
cache_seconds = 2.0


@dataclass(frozen=True)
class BlockView:
    pattern: str | None
    numbers: str | None
    active: bool


@dataclass(frozen=True)
class GatewayView:
    id: int
    kind: str
    active: bool
    blocks: tuple
    down: bool = False  # its dispatchers see it down
    max_concurrent: int | None = None


def _is_default():
    return Gateway.is_default.is_(True)


def default_gateway():
    """The Gateway row used by services that name none."""
    return db.session.scalar(select(Gateway).where(_is_default()))


def ensure_default_gateway():
    """The simulator gateway with its default block, created once. Does not commit."""
    gateway = default_gateway()
    if gateway is None:
        gateway = Gateway(name="Simulator", kind="simulator", is_default=True)
        gateway.blocks.append(NumberBlock(pattern=DEFAULT_SIM_BLOCK))
        db.session.add(gateway)
        db.session.flush()
    return gateway


def serving_gateway(service):
    """The Gateway row that places the service's calls: its own, else the default one."""
    return service.gateway or default_gateway()


def _load(gateway_id):
    where = Gateway.id == gateway_id if gateway_id is not None else _is_default()
    gateway = db.session.scalars(select(Gateway).where(where).options(joinedload(Gateway.blocks))).unique().first()
    if gateway is None:
        return None
    return GatewayView(gateway.id, gateway.kind, gateway.active and gateway.deleted_at is None,
                       tuple(BlockView(b.pattern, b.numbers, b.active) for b in gateway.blocks),
                       down=gateway.health == "down", max_concurrent=gateway.max_concurrent)


def _view(gateway_id):
    now = time.monotonic()
    entry = _cache.get(gateway_id)
    if entry is not None and entry[0] > now:
        return entry[1]
    view = _load(gateway_id)
    with _lock:
        _cache[gateway_id] = (now + cache_seconds, view)
    return view


def in_flight(gateway_id):
    """Calls of the gateway not yet ended (queued ones included: they are about to ring)."""
    return db.session.scalar(select(func.count(Call.id)).where(Call.gateway_id == gateway_id,
                                                                Call.status.in_(PENDING)))


def usable(view):
    """Can this gateway take one more call now?"""
    if view is None or not view.active or view.down:
        return False
    return not view.max_concurrent or in_flight(view.id) < view.max_concurrent


def gateway_for(service):
    """The GatewayView that places the service's next call: its gateway (else the default one)
    when usable, else its fallback when usable, else None (the call fails: gateway_unavailable)."""
    primary = _view(service.gateway_id)
    if usable(primary):
        return primary
    if service.fallback_gateway_id is not None:
        fallback = _view(service.fallback_gateway_id)
        if usable(fallback):
            return fallback
    return None


def configure(seconds):
    """How long this process keeps a snapshot (set once by the app factory); forgets the cache."""
    global cache_seconds
    cache_seconds = float(seconds)
    forget()


def forget(*_args):
    with _lock:
        _cache.clear()


for _model in (Gateway, NumberBlock):
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, forget)
