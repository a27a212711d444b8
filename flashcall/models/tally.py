"""Report tallies: each settled day's calls counted per service, key, status, failure reason and answer,
so summaries over months read a few hundred rows instead of every call (flashcall/reports/tallies.py)."""
from datetime import date

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db


class TalliedDay(db.Model):
    """A Tehran day whose calls, for every service of the account, are all final and tallied."""
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)


class CallTally(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    key_id: Mapped[int | None] = mapped_column(ForeignKey("access_key.id"))
    day: Mapped[date]  # in Asia/Tehran, of the calls' creation
    status: Mapped[str] = mapped_column(String(16))
    failure_reason: Mapped[str | None] = mapped_column(String(40))
    answered: Mapped[bool]  # picked up (the status alone forgets it once the code expires)
    calls: Mapped[int]
    cost: Mapped[int] = mapped_column(BigInteger)  # Rial

    __table_args__ = (Index("ix_call_tally_service_day", "service_id", "day"),)
