"""Operators' money actions rule by rule: an action of the system (no user, as from the command line) is audited without looking a user up."""
import warnings

from sqlalchemy import event

from flashcall.billing import admin
from flashcall.db import db
from flashcall.models import AuditEntry


def test_an_adjustment_without_a_user_is_audited_with_no_actor_and_no_user_looked_up(ctx, make):
    """admin.adjust with no user_id (the CLI's way): the audit entry has no actor, and the adjustment
    reads no user row (a NULL primary key look-up would also warn)."""
    service = make.service(name="Shop login")
    db.session.commit()
    statements = []
    listen = (db.engine, "before_cursor_execute", lambda *args: statements.append(" ".join(args[2].split())))
    event.listen(*listen)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            admin.adjust(service, 70_000, "opening balance", via="cli")
            db.session.commit()
    finally:
        event.remove(*listen)
    entry = db.session.query(AuditEntry).filter_by(action="billing.credit_adjusted").one()
    assert (entry.actor_id, entry.actor_email, entry.target) == (None, None, "Shop login")
    assert [s for s in statements if "FROM user" in s] == []
