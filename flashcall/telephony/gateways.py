"""Gateways: as the drivers see them (a plain snapshot of a Gateway row with its secret opened, safe
to hand to a driver's own threads, which never touch the ORM), and what operators do with them —
create, edit, disable, delete, number blocks, routing a service, health, «test connection»."""
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import sealing
from ..db import db
from ..digits import to_latin
from ..models import Call, Gateway, NumberBlock, Service
from ..models.call import PENDING
from ..models.gateway import KINDS, TRANSPORTS
from ..translation import lazy as _l
from . import drivers, routing
from .dialstring import unknown_fields
from .drivers.simulator import parse_config
from .numbers import NUMBER, PATTERN, supports


@dataclass(frozen=True)
class GatewayConfig:
    id: int | None
    kind: str
    name: str = ""
    host: str | None = None
    port: int | None = None
    transport: str = "udp"
    username: str | None = None
    secret: str | None = field(default=None, repr=False)
    from_domain: str | None = None
    channel: str | None = None
    context: str | None = None
    ring_seconds: float = 3.0
    max_concurrent: int | None = None
    options: dict = field(default_factory=dict, compare=False)  # the simulator's outcomes
    version: int = 1

    @property
    def key(self):
        """Changes whenever the operator edits the gateway: a running driver with another key is stale."""
        return (self.id, self.version)


SIMULATOR = GatewayConfig(None, "simulator", "Simulator")


def config_of(row, settings):
    """The GatewayConfig of a Gateway row (the default simulator when there is none)."""
    if row is None:
        return SIMULATOR
    # A secret this key cannot open is None: the driver then fails authentication and says so in its health.
    secret = sealing.opened(settings.secrets_key, row.secret_sealed)
    return GatewayConfig(
        id=row.id, kind=row.kind, name=row.name, host=row.host, port=row.port, transport=row.transport or "udp",
        username=row.username, secret=secret, from_domain=row.from_domain, channel=row.channel,
        context=row.context, ring_seconds=float(row.ring_seconds or 3), max_concurrent=row.max_concurrent,
        options=parse_config(row.config), version=row.version or 1)


# -- what operators do with gateways (pages and CLI call these) ------------------------------

class GatewaySetupError(ValueError):
    """Operator input that cannot be saved: `field` names it, `message` says why (localised)."""

    def __init__(self, field, message):
        super().__init__(field)  # the message is rendered where its language is known
        self.field = field
        self.message = message


DEFAULT_PORTS = {"sip": 5060, "ami": 5038}
DEFAULT_CHANNEL = {"sip": "{phone}", "ami": "PJSIP/{phone}@trunk"}
MAX_RING_SECONDS = 60


def _text(values, name, limit):
    value = (values.get(name) or "").strip()
    if len(value) > limit:
        raise GatewaySetupError(name, _l("At most %(count)s characters.", count=limit))
    return value or None


def _check(values, settings):
    """The columns to store from `values` (as forms and the CLI give them), checked."""
    kind = values.get("kind") or "simulator"
    if kind not in KINDS:
        raise GatewaySetupError("kind", _l("Choose simulator, SIP trunk or Asterisk AMI."))
    name = _text(values, "name", 80)
    if not name:
        raise GatewaySetupError("name", _l("Give the gateway a name."))
    out = {"kind": kind, "name": name}
    for field_name, limit in (("host", 255), ("username", 80), ("from_domain", 255), ("channel", 200),
                              ("context", 200)):
        out[field_name] = _text(values, field_name, limit)
    transport = (values.get("transport") or "udp").lower()
    if transport not in TRANSPORTS:
        raise GatewaySetupError("transport", _l("Choose UDP or TCP as the transport."))
    out["transport"] = transport
    out["ring_seconds"] = _number(values, "ring_seconds", 3, 1, MAX_RING_SECONDS)
    out["max_concurrent"] = _number(values, "max_concurrent", None, 1, 100000)
    if kind != "simulator":
        if not out["host"] or any(ch.isspace() for ch in out["host"]):
            raise GatewaySetupError("host", _l("Enter the gateway's host name or IP address."))
        out["port"] = _number(values, "port", DEFAULT_PORTS[kind], 1, 65535)
    else:
        out["port"] = None
    if out["channel"] and unknown_fields(out["channel"]):
        raise GatewaySetupError("channel", _l(
            "The template may only use {phone}, {national} and {digits}."))
    if kind == "ami":
        out["channel"] = out["channel"] or DEFAULT_CHANNEL["ami"]
        if not out["username"]:
            raise GatewaySetupError("username", _l("Enter the AMI user's name."))
        if out["context"] and len([p for p in out["context"].split(",") if p.strip()]) > 3:
            raise GatewaySetupError("context", _l("Write the context as context,extension,priority."))
    return out


def _number(values, name, default, low, high):
    raw = values.get(name)
    if raw in (None, ""):
        return default
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise GatewaySetupError(name, _l("Enter a whole number.")) from None
    if not low <= number <= high:
        raise GatewaySetupError(name, _l("Enter a number from %(low)s to %(high)s.", low=low, high=high))
    return number


def _store_secret(gateway, values, settings):
    """A new secret replaces the stored one; an empty field keeps it (it is never shown again)."""
    secret = values.get("secret")
    if secret:
        if len(secret) > 200:
            raise GatewaySetupError("secret", _l("At most %(count)s characters.", count=200))
        gateway.secret_sealed = sealing.seal(settings.secrets_key, secret)
    elif values.get("clear_secret"):
        gateway.secret_sealed = None
    if gateway.kind == "ami" and not gateway.secret_sealed:
        raise GatewaySetupError("secret", _l("Enter the AMI user's secret."))


def create_gateway(values, settings, blocks=()):
    """A new gateway with its number blocks (texts). Does not commit; raises GatewaySetupError."""
    gateway = Gateway(**_check(values, settings), active=True, version=1)
    _store_secret(gateway, values, settings)
    db.session.add(gateway)
    for text in blocks:
        add_block(gateway, text)
    db.session.flush()
    return gateway


def update_gateway(gateway, values, settings):
    """Change a gateway's settings; running drivers pick them up (its version changes). No commit."""
    checked = _check(dict(values, kind=gateway.kind), settings)
    for name, value in checked.items():
        setattr(gateway, name, value)
    _store_secret(gateway, values, settings)
    if "active" in values:
        gateway.active = bool(values["active"])
    gateway.version = (gateway.version or 1) + 1
    db.session.flush()
    return gateway


def set_active(gateway, active):
    gateway.active = bool(active)
    gateway.version = (gateway.version or 1) + 1
    db.session.flush()


def _served_services(gateway):
    """Services whose calls this gateway may place (as their gateway, fallback, or the default)."""
    routed = or_(Service.gateway_id == gateway.id, Service.fallback_gateway_id == gateway.id)
    if gateway.is_default:
        routed = or_(routed, Service.gateway_id.is_(None))
    return db.session.scalars(select(Service).where(routed)).all()


def longest_code(gateway):
    """The longest code among the services this gateway serves (at least the shortest allowed, 3)."""
    return max([3] + [service.code_length for service in _served_services(gateway)])


def parse_block(text):
    """(pattern, numbers) from what an operator typed: `+98219100XXXX`, or numbers separated by
    lines, commas or spaces. Raises GatewaySetupError."""
    text = to_latin(text or "").strip()
    if not text:
        raise GatewaySetupError("block", _l("Enter a pattern such as +98219100XXXX or a list of numbers."))
    if PATTERN.fullmatch(text):
        return text[:1] + text[1:].upper(), None
    numbers = [n for n in re.split(r"[\s,]+", text) if n]
    bad = [n for n in numbers if not NUMBER.fullmatch(n)]
    if bad:
        raise GatewaySetupError("block", _l(
            "%(value)s is neither a pattern like +98219100XXXX nor a number like +982191001234.", value=bad[0]))
    return None, "\n".join(dict.fromkeys(numbers))


def add_block(gateway, text):
    """Add a number block; it must give codes as long as the longest its gateway serves. No commit."""
    pattern, numbers = parse_block(text)
    block = NumberBlock(pattern=pattern, numbers=numbers, active=True)
    length = longest_code(gateway) if gateway.id is not None else 3
    if not supports(block, length):
        raise GatewaySetupError("block", _l(
            "This block must have at least %(count)s free digits: the services of this gateway use codes "
            "of up to %(count)s digits.", count=length))
    gateway.blocks.append(block)
    db.session.flush()
    return block


def remove_block(block):
    db.session.delete(block)
    db.session.flush()


def delete_gateway(gateway, now):
    """Delete a gateway no service uses; one that calls still refer to is hidden instead. No commit."""
    if gateway.is_default:
        raise GatewaySetupError("gateway", _l("The default gateway cannot be deleted."))
    if _served_services(gateway):
        raise GatewaySetupError("gateway", _l(
            "Services still use this gateway. Route them to another gateway first."))
    if db.session.scalar(select(Call.id).where(Call.gateway_id == gateway.id).limit(1)) is None:
        db.session.delete(gateway)
    else:
        gateway.deleted_at, gateway.active = now, False
        gateway.version = (gateway.version or 1) + 1
    db.session.flush()


def visible_gateways():
    return db.session.scalars(select(Gateway).where(Gateway.deleted_at.is_(None))
                              .options(selectinload(Gateway.blocks)).order_by(Gateway.id)).all()


def route_service(service, gateway_id, fallback_id=None):
    """Route the service's calls to a gateway, with an optional fallback. No commit."""
    gateway = _usable_gateway(gateway_id, "gateway")
    fallback = _usable_gateway(fallback_id, "fallback") if fallback_id else None
    if fallback is not None and fallback.id == gateway.id:
        raise GatewaySetupError("fallback", _l("The fallback must be another gateway."))
    for chosen, name in ((gateway, "gateway"), (fallback, "fallback")):
        if chosen is not None and not any(supports(b, service.code_length) for b in chosen.blocks):
            raise GatewaySetupError(name, _l(
                "The caller numbers of this gateway cannot give codes of %(length)s digits.",
                length=service.code_length))
    service.gateway_id = gateway.id
    service.fallback_gateway_id = fallback.id if fallback is not None else None
    db.session.flush()
    routing.forget()
    return service


def _usable_gateway(gateway_id, field_name):
    gateway = db.session.get(Gateway, gateway_id) if gateway_id else None
    if gateway is None or gateway.deleted_at is not None:
        raise GatewaySetupError(field_name, _l("There is no such gateway."))
    return gateway


class HealthRow(NamedTuple):
    in_flight: int
    delivered: int
    failed: int


def health_summary(gateway_ids, now):
    """{gateway id: HealthRow}: calls in flight, delivered and failed in the last hour. One query."""
    hour_ago = now - timedelta(hours=1)
    recent = Call.ended_at >= hour_ago
    rows = db.session.execute(
        select(Call.gateway_id,
               func.count(Call.id).filter(Call.status.in_(PENDING)),
               func.count(Call.id).filter(recent, Call.status.in_(("delivered", "answered", "verified", "expired"))),
               func.count(Call.id).filter(recent, Call.status == "failed"))
        .where(Call.gateway_id.in_(list(gateway_ids)), or_(Call.status.in_(PENDING), recent))
        .group_by(Call.gateway_id)).all()
    summary = {gateway_id: HealthRow(0, 0, 0) for gateway_id in gateway_ids}
    summary.update({row[0]: HealthRow(row[1], row[2], row[3]) for row in rows})
    return summary


def probe(gateway, settings, timeout=5.0):
    """«Test connection» for a Gateway row: an events.Probe (blocks up to `timeout`)."""
    return drivers.probe(config_of(gateway, settings), timeout)


class Outage(NamedTuple):
    service: object
    gateway: object
    covered: bool  # its fallback gateway is up and takes the calls


def outages(services):
    """The services whose gateway (their own, else the default) is down, and whether a fallback covers."""
    default = routing.default_gateway()
    found = []
    for service in services:
        gateway = service.gateway or default
        if gateway is None or gateway.health != "down" or not gateway.active:
            continue
        fallback = service.fallback_gateway
        covered = fallback is not None and fallback.active and fallback.deleted_at is None and fallback.health != "down"
        found.append(Outage(service, gateway, covered))
    return found
