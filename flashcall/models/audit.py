"""The audit log: who did what, when and from where. Rows are only ever added (triggers refuse
UPDATE and DELETE on both databases)."""
from datetime import datetime

from sqlalchemy import DDL, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db import db


class AuditEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The account the entry belongs to (None: platform-wide, seen by operators only).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_email: Mapped[str | None] = mapped_column(String(254))  # kept as it was at the time
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON object
    ip: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_entry_account_id_id", "account_id", "id"),)


# Append-only in the database itself, so no code path (or careless SQL) can rewrite history.
# The same statements are in the migration that creates the table.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    ],
}

for _dialect, _statements in APPEND_ONLY.items():
    for _statement in _statements:
        event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
