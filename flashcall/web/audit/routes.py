"""Audit log: a page of entries newest first (keyset paging) and the whole log as CSV."""
import csv
import io
from functools import wraps

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from ... import audit
from ...db import db
from ...models import Account
from . import bp

PAGE = 50


def owners_and_operators(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (current_user.is_operator or current_user.can("manage")):
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _scope():
    """None (every account) for operators, else the user's own account."""
    return None if current_user.is_operator else current_user.account_id


@bp.get("/")
@owners_and_operators
def index():
    before = request.args.get("before", type=int)
    entries = audit.entries(_scope(), before_id=before, limit=PAGE + 1)
    older = entries[PAGE - 1].id if len(entries) > PAGE else None
    entries = entries[:PAGE]
    names = {}
    if current_user.is_operator:
        ids = {e.account_id for e in entries if e.account_id}
        names = dict(db.session.execute(db.select(Account.id, Account.name).where(Account.id.in_(ids))).all())
    return render_template("audit/index.html", entries=entries, older=older, label=audit.label,
                           account_names=names, all_accounts=current_user.is_operator)


COLUMNS = ("id", "at", "account_id", "actor", "action", "target", "ip", "detail")


@bp.get("/export.csv")
@owners_and_operators
def export():
    """The whole log (of the account, or all for operators), oldest first, streamed."""
    scope = _scope()

    def lines():
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for row in audit.rows_for_export(scope):
            writer.writerow(row)
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(lines()), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=flashcall-audit.csv"
    response.headers["Cache-Control"] = "no-store"
    return response
