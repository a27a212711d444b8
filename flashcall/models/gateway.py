"""Telephony gateways (simulator, SIP trunk, Asterisk AMI) with their health, the caller-number
blocks they own, and the simulator's virtual phones."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db import db

KINDS = ("simulator", "sip", "ami")
TRANSPORTS = ("udp", "tcp")


class Gateway(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default="simulator")  # simulator | sip | ami
    config: Mapped[str] = mapped_column(Text, default="{}")  # JSON: the simulator's outcomes
    active: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    # Where and how to reach it (SIP trunk or AMI); the secret (SIP password, AMI secret) sealed.
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int | None]
    transport: Mapped[str] = mapped_column(String(8), default="udp")  # SIP: udp | tcp
    username: Mapped[str | None] = mapped_column(String(80))
    secret_sealed: Mapped[str | None] = mapped_column(Text)
    from_domain: Mapped[str | None] = mapped_column(String(255))
    channel: Mapped[str | None] = mapped_column(String(200))  # AMI: e.g. PJSIP/{phone}@trunk
    context: Mapped[str | None] = mapped_column(String(200))  # AMI: context,exten,priority; else Hangup
    ring_seconds: Mapped[int] = mapped_column(default=3)
    max_concurrent: Mapped[int | None]
    # Bumped by every edit, so running drivers know their settings changed.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]  # kept (hidden) while calls still refer to it
    # Health, written by the dispatchers from what their driver sees.
    health: Mapped[str | None] = mapped_column(String(8))  # up | down | None (not yet known)
    health_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_error_at: Mapped[datetime | None]

    blocks: Mapped[list["NumberBlock"]] = relationship(back_populates="gateway", order_by="NumberBlock.id",
                                                       cascade="all, delete-orphan")


class NumberBlock(db.Model):
    """Caller numbers: a pattern such as +98219100XXXX (X = free digit) or an explicit list."""
    id: Mapped[int] = mapped_column(primary_key=True)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("gateway.id"), index=True)
    pattern: Mapped[str | None] = mapped_column(String(30))
    numbers: Mapped[str | None] = mapped_column(Text)  # one E.164 number per line
    active: Mapped[bool] = mapped_column(default=True)

    gateway: Mapped[Gateway] = relationship(back_populates="blocks")


class SimInboxEntry(db.Model):
    """A missed call that the simulator 'rang' on a virtual phone."""
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    caller_number: Mapped[str] = mapped_column(String(20))
    call_id: Mapped[str | None] = mapped_column(ForeignKey("call.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="delivered")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # retention purges by age
