"""Services (one verification product each) and their access keys."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db import db


class Service(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    code_length: Mapped[int] = mapped_column(default=4)
    code_lifetime_minutes: Mapped[int] = mapped_column(default=2)
    max_attempts: Mapped[int] = mapped_column(default=3)
    min_interval_seconds: Mapped[int] = mapped_column(default=120)
    daily_limit: Mapped[int] = mapped_column(default=10)
    # ISO 3166 region codes, comma separated, e.g. "IR" or "IR,AF".
    allowed_countries: Mapped[str] = mapped_column(String(200), default="IR")
    mobile_only: Mapped[bool] = mapped_column(default=True)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret_sealed: Mapped[str | None] = mapped_column(Text)  # sealing.seal(secrets key, the secret)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended
    price_per_call: Mapped[int] = mapped_column(BigInteger, default=0)  # Rial per delivered call
    credit: Mapped[int] = mapped_column(BigInteger, default=0)  # Rial; the sum of its ledger entries
    gateway_id: Mapped[int | None] = mapped_column(ForeignKey("gateway.id"))
    # Used when the gateway is down or at its concurrency limit.
    fallback_gateway_id: Mapped[int | None] = mapped_column(ForeignKey("gateway.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped["Account"] = relationship(back_populates="services")
    keys: Mapped[list["AccessKey"]] = relationship(back_populates="service", order_by="AccessKey.id")
    gateway: Mapped["Gateway | None"] = relationship(foreign_keys=[gateway_id])
    fallback_gateway: Mapped["Gateway | None"] = relationship(foreign_keys=[fallback_gateway_id])

    @property
    def is_active(self):
        return self.status == "active"

    @property
    def countries(self):
        return [c.strip().upper() for c in self.allowed_countries.split(",") if c.strip()]


class AccessKey(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    service: Mapped[Service] = relationship(back_populates="keys")

    @property
    def is_revoked(self):
        return self.revoked_at is not None
