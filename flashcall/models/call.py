"""Calls (one verification attempt each) and their event timeline."""
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db import db

PENDING = ("queued", "dialing", "ringing")
CODE_LIVE = ("delivered", "answered")
FINAL = ("verified", "failed", "expired", "canceled")


def new_call_id():
    return str(uuid.uuid4())


class Call(db.Model):
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_call_id)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    key_id: Mapped[int | None] = mapped_column(ForeignKey("access_key.id"))  # leads ix_call_key_newest
    phone: Mapped[str] = mapped_column(String(20))
    caller_number: Mapped[str] = mapped_column(String(20))
    code_length: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(16), default="api")  # api | compat | dashboard
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dialed_at: Mapped[datetime | None]
    ringing_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]  # the phone picked up (the status forgets it once the code expires)
    ended_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    cost: Mapped[int] = mapped_column(BigInteger, default=0)  # Rial charged (once, when delivered)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)  # Rial held on the account until it ends
    failure_reason: Mapped[str | None] = mapped_column(String(40))
    retry_of: Mapped[str | None] = mapped_column(ForeignKey("call.id"), index=True)
    gateway_id: Mapped[int | None] = mapped_column(ForeignKey("gateway.id"))  # leads two indexes below
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_expires_at: Mapped[datetime | None]

    service: Mapped["Service"] = relationship()
    key: Mapped["AccessKey | None"] = relationship()
    events: Mapped[list["CallEvent"]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_call_service_phone_created", "service_id", "phone", "created_at"),
        Index("ix_call_status_lease", "status", "lease_expires_at"),  # leases to recover
        Index("ix_call_status_expires", "status", "expires_at"),  # live codes to expire
        Index("ix_call_gateway_ended", "gateway_id", "ended_at"),  # a gateway's last hour
        # which of the drawn caller numbers are ringing on the gateway now (verification.history)
        Index("ix_call_gateway_pending", "gateway_id", "status", "caller_number"),
        # Reports walk calls newest first under every filter combination (flashcall/reports/):
        # a key belongs to one service, so key filters need no service column.
        Index("ix_call_service_newest", "service_id", "created_at", "id"),
        Index("ix_call_service_status_newest", "service_id", "status", "created_at", "id"),
        Index("ix_call_key_newest", "key_id", "created_at", "id"),
        Index("ix_call_key_status_newest", "key_id", "status", "created_at", "id"),
    )

    @property
    def code(self):
        """The one-time code: the caller number's last digits. Never logged or sent by the API."""
        return self.caller_number[-self.code_length:]


class CallEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("call.id"))
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[str | None] = mapped_column(String(200))

    call: Mapped[Call] = relationship(back_populates="events")

    # A call's timeline, and whether it holds an event of a kind (reports count answered calls)
    # from the index alone.
    __table_args__ = (Index("ix_call_event_call_kind", "call_id", "kind"),)
