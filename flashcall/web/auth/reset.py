"""Password reset by one-time link: an operator issues one (without a mail server), or the user
asks for one by email when SMTP is configured; the link sets a new password once."""
from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...accounts import ProvisioningError, credentials
from ...db import db
from ...models import User
from ..scoping import operator_required
from ..trail import audited, client_address
from . import bp, mail, throttle
from .forms import EmailForm, PasswordResetForm


def reset_link(token):
    """The link's full address: FLASHCALL_BASE_URL when set, never a Host header a stranger chose."""
    path = url_for("auth.reset", token=token)
    base = current_app.config.get("BASE_URL")
    return base + path if base else url_for("auth.reset", token=token, _external=True)


def _no_store(html):
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/reset-links", methods=["GET", "POST"])
@operator_required
def issue_reset():
    """Operators make a reset link for any user and hand it over themselves."""
    form, link = EmailForm(), None
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data))
        if user is None:
            form.email.errors.append(_("There is no user with this email."))
        else:
            token = credentials.issue_reset(user, current_app.config["PASSWORD_RESET_HOURS"])
            audited("auth.password_reset_issued", user.email, account_id=user.account_id)
            db.session.commit()
            link = reset_link(token)
    return _no_store(render_template("auth/issue_reset.html", form=form, link=link,
                                     hours=current_app.config["PASSWORD_RESET_HOURS"]))


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """By email when a mail server and the public address are configured; otherwise the page says
    to ask an operator. The answer is the same whether or not the email exists."""
    form, sent = EmailForm(), False
    if mail.configured(current_app.config) and form.validate_on_submit():
        limits = [(f"forgot:{client_address()}", current_app.config["LOGIN_MAX_FAILURES"]),
                  (f"forgot:{form.email.data}", current_app.config["LOGIN_MAX_FAILURES"])]
        if not throttle.attempt(form.email.data, client_address(), limits):
            form.form_errors.append(_("Too many attempts. Please wait a few minutes and try again."))
            return render_template("auth/forgot.html", form=form, sent=False, can_mail=True), 429
        user = db.session.scalar(select(User).where(User.email == form.email.data, User.active.is_(True)))
        if user is not None:
            token = credentials.issue_reset(user, current_app.config["PASSWORD_RESET_HOURS"])
            audited("auth.password_reset_issued", user.email, actor=user, by="email")
            db.session.commit()
            mail.send_reset_link(current_app.config, user.email, reset_link(token),
                                 current_app.config["PASSWORD_RESET_HOURS"])
        sent = True
    return render_template("auth/forgot.html", form=form, sent=sent, can_mail=mail.configured(current_app.config))


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    if credentials.find_reset(token) is None:
        return render_template("auth/reset.html", form=None), 404
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            user = credentials.redeem_reset(token, form.new_password.data)
        except ProvisioningError:
            db.session.rollback()
            user = None
        if user is None:
            db.session.rollback()
            return render_template("auth/reset.html", form=None), 404
        audited("auth.password_reset_used", user.email, actor=user)
        db.session.commit()
        flash(_("Your password was changed. Sign in with the new one."), "success")
        return redirect(url_for(".login"))
    return _no_store(render_template("auth/reset.html", form=form))
