"""Two-factor sign-in: set it up with an authenticator app (QR code drawn here, by segno), keep
recovery codes, turn it off with the password and a code."""
import segno
from flask import current_app, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ...accounts import credentials
from ...db import db
from ..trail import audited, client_address
from . import bp, throttle
from .forms import PasswordConfirmForm, TwoFactorDisableForm, TwoFactorSetupForm

SETUP = "totp_setup_secret"  # session key: the secret being set up, until a code confirms it


def qr_svg(text):
    """The QR code as inline SVG markup (no script, no inline style: fine under our CSP)."""
    return Markup(segno.make(text, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False))


def _codes_page(codes):
    response = make_response(render_template("auth/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"  # shown once; nothing may keep a copy
    return response


@bp.get("/two-factor")
@login_required
def two_factor():
    user = current_user._get_current_object()
    if user.two_factor:
        return render_template("auth/two_factor.html", user=user, disable_form=TwoFactorDisableForm(),
                               codes_form=PasswordConfirmForm(), codes_left=credentials.recovery_codes_left(user))
    secret = session.get(SETUP) or credentials.new_totp_secret()
    session[SETUP] = secret
    return render_template("auth/two_factor_setup.html", form=TwoFactorSetupForm(), secret=secret,
                           qr=qr_svg(credentials.provisioning_uri(user, secret)))


@bp.post("/two-factor/enable")
@login_required
def two_factor_enable():
    user = current_user._get_current_object()
    secret, form = session.get(SETUP), TwoFactorSetupForm()
    if user.two_factor or not secret:
        return redirect(url_for(".two_factor"))
    if not form.validate_on_submit() or not credentials.code_fits(secret, form.code.data):
        if not form.code.errors:
            form.code.errors.append(_("The code is not correct. Check the time on your phone and try again."))
        return render_template("auth/two_factor_setup.html", form=form, secret=secret,
                               qr=qr_svg(credentials.provisioning_uri(user, secret))), 422
    codes = credentials.enable_two_factor(user, secret, current_app.config["SECRETS_KEY"])
    audited("auth.two_factor_enabled", user.email)
    db.session.commit()
    session.pop(SETUP, None)
    return _codes_page(codes)


def _password_and_code_ok(user, form):
    if not throttle.password_ok(user, form.password.data, client_address()):
        form.password.errors.append(_("The password is not correct."))
        return False
    code = form.code.data
    if not (credentials.verify_totp(user, code, current_app.config["SECRETS_KEY"])
            or credentials.use_recovery_code(user, code)):
        form.code.errors.append(_("The code is not correct."))
        return False
    return True


@bp.post("/two-factor/disable")
@login_required
def two_factor_disable():
    user = current_user._get_current_object()
    form = TwoFactorDisableForm()
    if not user.two_factor:
        return redirect(url_for(".two_factor"))
    if not form.validate_on_submit() or not _password_and_code_ok(user, form):
        db.session.commit()  # a spent code stays spent
        return render_template("auth/two_factor.html", user=user, disable_form=form,
                               codes_form=PasswordConfirmForm(), codes_left=credentials.recovery_codes_left(user)), 422
    credentials.disable_two_factor(user)
    audited("auth.two_factor_disabled", user.email)
    db.session.commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for(".two_factor"))


@bp.post("/two-factor/recovery-codes")
@login_required
def recovery_codes():
    user = current_user._get_current_object()
    form = PasswordConfirmForm()
    if not user.two_factor:
        return redirect(url_for(".two_factor"))
    if not form.validate_on_submit() or not throttle.password_ok(user, form.password.data, client_address()):
        flash(_("The password is not correct."), "danger")
        return redirect(url_for(".two_factor"))
    codes = credentials.new_recovery_codes(user)
    audited("auth.recovery_codes_renewed", user.email)
    db.session.commit()
    return _codes_page(codes)
