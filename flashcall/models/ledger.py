"""Money: the immutable ledger (integer Rial), payments that top it up, and platform money settings."""
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db import db

KINDS = ("topup", "charge", "refund", "adjustment")


class LedgerEntry(db.Model):
    """One change of a service's credit; never updated or deleted."""
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    kind: Mapped[str] = mapped_column(String(16))  # topup | charge | refund | adjustment
    amount: Mapped[int] = mapped_column(BigInteger)  # signed Rial
    balance_after: Mapped[int] = mapped_column(BigInteger)  # the service's credit after this entry
    call_id: Mapped[str | None] = mapped_column(ForeignKey("call.id"), unique=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped["User | None"] = relationship()
    service: Mapped["Service"] = relationship()

    __table_args__ = (
        Index("ix_ledger_service_id", "service_id", "id"),
        Index("ix_ledger_account_id", "account_id", "id"),
    )


class Payment(db.Model):
    """A top-up: online through a provider, or a manual bank transfer an operator approves."""
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # who asked for it
    method: Mapped[str] = mapped_column(String(16))  # online | manual
    provider: Mapped[str | None] = mapped_column(String(16))  # zarinpal | zibal (online)
    amount: Mapped[int] = mapped_column(BigInteger)  # Rial
    # pending → paid | failed (online); pending → paid | rejected (manual)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reference: Mapped[str | None] = mapped_column(String(100), unique=True)  # provider's authority / trackId
    ref_id: Mapped[str | None] = mapped_column(String(64))  # the provider's receipt number
    card_pan: Mapped[str | None] = mapped_column(String(32))  # masked by the provider
    failure_code: Mapped[str | None] = mapped_column(String(16))
    failure_message: Mapped[str | None] = mapped_column(String(200))
    bank_reference: Mapped[str | None] = mapped_column(String(100))  # manual: the transfer's tracking number
    transfer_date: Mapped[date | None]  # manual: when the customer says they paid
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reject_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]

    service: Mapped["Service"] = relationship()
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])

    __table_args__ = (Index("ix_payment_status_created", "status", "created_at"),)


class PlatformSetting(db.Model):
    """Operator settings that live in the database (default price, payment provider, top-up maximum)."""
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
