"""Telephony gateways, the caller-number blocks they own, and the simulator's virtual phones."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db import db


class Gateway(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default="simulator")  # simulator | sip | ami
    config: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    active: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)

    blocks: Mapped[list["NumberBlock"]] = relationship(back_populates="gateway", order_by="NumberBlock.id")


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
