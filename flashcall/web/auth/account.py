"""The signed-in user's security page: change the password, sign out every other device."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ...accounts import ProvisioningError, credentials
from ...db import db
from ..trail import audited, client_address
from . import bp, throttle
from .forms import PasswordChangeForm


def stay_signed_in(user):
    """After the session version moved, this browser keeps a session (and, if it had one, a
    remember cookie) under the new version; every other browser's cookies stop working."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remember)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        checked = throttle.password_ok(user, form.password.data, client_address())
        if checked is None:
            form.password.errors.append(_("Too many attempts. Please wait a few minutes and try again."))
        elif not checked:
            form.password.errors.append(_("The current password is not correct."))
        else:
            try:
                credentials.set_password(user, form.new_password.data)
            except ProvisioningError:
                db.session.rollback()
                form.new_password.errors.append(_("The password must be at least 8 characters."))
            else:
                audited("auth.password_changed", user.email)
                db.session.commit()
                stay_signed_in(user)
                flash(_("Your password was changed. Every other device was signed out."), "success")
                return redirect(url_for(".account"))
    return render_template("auth/account.html", form=form, codes_left=credentials.recovery_codes_left(user))


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    user = current_user._get_current_object()
    credentials.end_sessions(user)
    audited("auth.sign_out_everywhere", user.email)
    db.session.commit()
    stay_signed_in(user)
    flash(_("Every other device was signed out."), "success")
    return redirect(url_for(".account"))
