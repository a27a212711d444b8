"""Gateways as the drivers see them: a plain snapshot of a Gateway row (its secret opened), safe
to hand to a driver's own threads, which must never touch the ORM."""
from dataclasses import dataclass, field

from .. import sealing
from .drivers.simulator import parse_config


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
    secret = None
    if row.secret_sealed:
        try:
            secret = sealing.unseal(settings.secrets_key, row.secret_sealed)
        except sealing.SealError:
            secret = None  # the driver then fails authentication and says so in its health
    return GatewayConfig(
        id=row.id, kind=row.kind, name=row.name, host=row.host, port=row.port, transport=row.transport or "udp",
        username=row.username, secret=secret, from_domain=row.from_domain, channel=row.channel,
        context=row.context, ring_seconds=float(row.ring_seconds or 3), max_concurrent=row.max_concurrent,
        options=parse_config(row.config), version=row.version or 1)
