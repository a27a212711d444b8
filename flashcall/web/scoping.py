"""Account scoping in one place: what the signed-in user may see, the role decorator, and what a
request without a signed-in user gets.

Every object another account owns answers 404, never 403, so ids reveal nothing.
"""
from functools import wraps

from flask import abort, flash, redirect, request, session
from flask_login import current_user, login_required, login_url
from sqlalchemy import select

from ..db import db
from ..extensions import htmx, login_manager
from ..models import AccessKey, Call, LedgerEntry, Payment, Service, User, WebhookDelivery


def _owned_by(model, account_id):
    """A SELECT of `model` limited to the rows that belong to account_id."""
    stmt = select(model)
    if model in (Service, User, Payment, LedgerEntry):
        return stmt.where(model.account_id == account_id)
    if model in (AccessKey, Call, WebhookDelivery):
        return stmt.join(Service, model.service_id == Service.id).where(Service.account_id == account_id)
    raise TypeError(f"no ownership rule for {model.__name__}")


def owned(model):
    """SELECT of the current account's rows of `model`."""
    return _owned_by(model, current_user.account_id)


def get_owned_or_404(model, ident):
    obj = db.session.scalar(owned(model).where(model.id == ident))
    if obj is None:
        abort(404)
    return obj


def requires(action="view"):
    """Sign-in plus a role check ('view', 'develop', 'manage'); 403 when the role is short."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(action):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def operator_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_operator:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


@login_manager.unauthorized_handler
def sign_in_again():
    """The sign-in page, with the way back. An htmx request (a poll, a fragment's form) gets
    HX-Redirect instead, so the whole page goes there rather than a sign-in page into a fragment."""
    message = login_manager.login_message
    pending = [tuple(entry) for entry in session.get("_flashes", [])]  # lists after a round trip in the cookie
    if message and (login_manager.login_message_category, str(message)) not in pending:
        flash(str(message), login_manager.login_message_category)  # once, though several polls ask at once
    if htmx:
        page = request.headers.get("HX-Current-URL") or request.url
        return "", 401, {"HX-Redirect": login_url(login_manager.login_view, next_url=page)}
    return redirect(login_url(login_manager.login_view, next_url=request.url))
