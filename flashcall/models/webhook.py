"""The webhook outbox: one row per event to deliver, retried with backoff by the dispatcher."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db import db


class WebhookDelivery(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    call_id: Mapped[str | None] = mapped_column(ForeignKey("call.id"), index=True)
    event: Mapped[str] = mapped_column(String(24))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body sent
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_status_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)  # retention purges by age
    delivered_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_webhook_due", "status", "next_attempt_at"),)
