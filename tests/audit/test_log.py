"""The audit log: who did what, when (Jalali) and from where; owners see their account's, operators
everyone's; append-only in the database; downloadable."""
import csv
import io

import pytest
from sqlalchemy.exc import DBAPIError

from flashcall import audit
from flashcall.db import db
from flashcall.models import AccessKey, AuditEntry

FORM = {"name": "Shop", "code_length": "4", "code_lifetime_minutes": "2", "max_attempts": "3",
        "min_interval_seconds": "120", "daily_limit": "10", "allowed_countries": "IR", "mobile_only": "y"}


def _actions():
    return [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]


def test_dashboard_changes_are_recorded(client, make, login):
    owner = make.account()
    service = make.service(owner.account)
    login(owner)
    client.post(f"/services/{service.id}/edit", data=dict(FORM, webhook_url="https://example.com/hook"))
    client.post(f"/services/{service.id}/keys/new", data={"label": "app"})
    client.post(f"/keys/{db.session.scalar(db.select(AccessKey.id))}/revoke")
    client.post(f"/webhooks/services/{service.id}/rotate")
    colleague = make.user(owner.account, role="viewer")
    client.post(f"/users/{colleague.id}/role", data={"role": "developer"})
    client.post(f"/services/{service.id}/suspend")
    assert _actions()[1:] == ["service.settings_changed", "webhook.url_changed", "key.created", "key.revoked",
                              "webhook.secret_rotated", "user.role_changed", "service.suspended"]
    changed = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "webhook.url_changed"))
    assert changed.actor_id == owner.id and changed.ip == "127.0.0.1" and "https://example.com/hook" in changed.detail


def test_owners_see_their_account_and_operators_everyone(app, client, make, login):
    owner, other, operator = make.account(), make.account(), make.account(operator=True)
    audit.record("billing.topup_approved", account_id=owner.account_id, target="payment 7", amount=100_000)
    audit.record("billing.topup_approved", account_id=other.account_id, target="payment 8", amount=5)
    db.session.commit()
    login(owner)
    page = client.get("/audit/").get_data(as_text=True)
    assert "payment 7" in page and "payment 8" not in page and "۱۴" in page  # a Jalali year, Persian digits
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True))))
    assert [r["target"] for r in rows if r["action"] == "billing.topup_approved"] == ["payment 7"]
    ops = app.test_client()
    ops.post("/auth/login", data={"email": operator.email, "password": "correct-horse-42"})
    page = ops.get("/audit/").get_data(as_text=True)
    assert "payment 7" in page and "payment 8" in page


def test_viewers_do_not_see_the_log(client, make, login):
    owner = make.account()
    login(make.user(owner.account, role="viewer"))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_the_log_is_append_only_in_the_database(make):
    audit.record("auth.sign_in", account_id=make.account().account_id)
    db.session.commit()
    for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError):
            db.session.execute(db.text(statement))
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 1
