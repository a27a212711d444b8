"""Money: the immutable ledger (integer Rial) and payments that top it up."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db import db


class LedgerEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # topup | charge | refund | adjustment
    amount: Mapped[int]  # signed Rial
    balance_after: Mapped[int]  # the service's balance after this entry
    call_id: Mapped[str | None] = mapped_column(ForeignKey("call.id"), unique=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    method: Mapped[str] = mapped_column(String(16))  # online | manual
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | paid | failed
    reference: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
