"""Writing and reading audit entries. Rows are only added: nothing here (nor the database's
triggers) lets one be changed or removed."""
import json

from sqlalchemy import select

from ..clock import iso, utcnow
from ..db import db
from ..models import AuditEntry
from ..translation import lazy as _l

# Known actions and how the log page names them. Other packages may record actions not listed
# here (the page then shows the action's own name); add a label when adding an action.
ACTIONS = {
    "auth.sign_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Sign-in failed"),
    "auth.sign_out": _l("Signed out"),
    "auth.sign_out_everywhere": _l("Signed out on every device"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_reset_issued": _l("Password-reset link issued"),
    "auth.password_reset_used": _l("Password reset with a link"),
    "auth.two_factor_enabled": _l("Two-factor sign-in turned on"),
    "auth.two_factor_disabled": _l("Two-factor sign-in turned off"),
    "auth.two_factor_failed": _l("Wrong two-factor code"),
    "auth.recovery_code_used": _l("Recovery code used"),
    "auth.recovery_codes_renewed": _l("New recovery codes made"),
    "key.created": _l("Access key created"),
    "key.revoked": _l("Access key revoked"),
    "service.created": _l("Service created"),
    "service.settings_changed": _l("Service settings changed"),
    "service.suspended": _l("Service suspended"),
    "service.activated": _l("Service activated"),
    "webhook.url_changed": _l("Webhook URL changed"),
    "webhook.secret_rotated": _l("Webhook secret changed"),
    "user.created": _l("User added"),
    "user.role_changed": _l("User's role changed"),
    "user.deactivated": _l("User deactivated"),
    "user.activated": _l("User activated"),
    "account.created": _l("Account created"),
    "billing.credit_adjusted": _l("Credit adjusted"),
    "billing.limit_changed": _l("Credit limit changed"),
    "billing.price_changed": _l("Price per call changed"),
    "billing.default_price_changed": _l("Default price per call changed"),
    "billing.topup_paid": _l("Online top-up paid"),
    "billing.topup_failed": _l("Online top-up failed"),
    "billing.topup_approved": _l("Top-up request approved"),
    "billing.topup_rejected": _l("Top-up request rejected"),
}


def record(action, *, account_id=None, actor=None, target=None, ip=None, at=None, **detail):
    """Add one entry; does not commit. `actor` is a User (or None for the system or an unknown
    person); `account_id` defaults to the actor's account; `detail` holds JSON-able extras."""
    if account_id is None and actor is not None:
        account_id = actor.account_id
    entry = AuditEntry(
        at=at or utcnow(), account_id=account_id, action=action[:60],
        actor_id=getattr(actor, "id", None), actor_email=getattr(actor, "email", None),
        target=str(target)[:200] if target is not None else None, ip=(ip or None) and ip[:64],
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else None)
    db.session.add(entry)
    return entry


def label(action):
    return ACTIONS.get(action, action)


def entries(account_id=None, before_id=None, limit=50):
    """Newest first: one account's entries, or every entry when account_id is None (operators);
    `before_id` pages to older ones."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if account_id is not None:
        stmt = stmt.where(AuditEntry.account_id == account_id)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return db.session.scalars(stmt).all()


def rows_for_export(account_id=None, batch=1000):
    """Every entry (of one account, or all), oldest first, as plain dicts, read in batches."""
    last_id = 0
    while True:
        stmt = select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        if account_id is not None:
            stmt = stmt.where(AuditEntry.account_id == account_id)
        chunk = db.session.scalars(stmt).all()
        if not chunk:
            return
        for entry in chunk:
            yield {"id": entry.id, "at": iso(entry.at), "account_id": entry.account_id,
                   "actor": entry.actor_email, "action": entry.action, "target": entry.target,
                   "ip": entry.ip, "detail": entry.detail}
        last_id = chunk[-1].id
