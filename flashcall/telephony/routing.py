"""Which gateway places a service's calls, with its caller-number blocks.

Read on every call creation, so a snapshot is kept per process for GATEWAY_CACHE_SECONDS
(default 2 s): another process's change to gateways applies within that time, a change made
in this process at once (the ORM events below clear the cache).
"""
import threading
import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Gateway, NumberBlock

_lock = threading.Lock()


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


def _load(gateway_id):
    where = Gateway.id == gateway_id if gateway_id is not None else Gateway.is_default.is_(True)
    gateway = db.session.scalars(select(Gateway).where(where).options(joinedload(Gateway.blocks))).unique().first()
    if gateway is None:
        return None
    return GatewayView(gateway.id, gateway.kind, gateway.active,
                       tuple(BlockView(b.pattern, b.numbers, b.active) for b in gateway.blocks))


def _cache():
    return current_app.extensions.setdefault("flashcall.gateways", {})


def gateway_for(service):
    """The service's gateway, else the default one, as a GatewayView (None if there is none)."""
    ttl = current_app.config.get("GATEWAY_CACHE_SECONDS", 2.0)
    cache, now = _cache(), time.monotonic()
    entry = cache.get(service.gateway_id)
    if entry is not None and entry[0] > now:
        return entry[1]
    view = _load(service.gateway_id)
    with _lock:
        cache[service.gateway_id] = (now + ttl, view)
    return view


def forget(*_args):
    if has_app_context():
        with _lock:
            _cache().clear()


for _model in (Gateway, NumberBlock):
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, forget)
