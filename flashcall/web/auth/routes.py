"""Signing in (password, then a two-factor code when the user has one) and signing out."""
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ...accounts import credentials
from ...db import db
from ...extensions import login_manager
from ...http.paths import is_json_face
from ...models import User
from ..redirects import safe_next
from ..trail import audited, client_address
from . import bp, throttle
from .forms import CodeForm, LoginForm

PENDING = "pending_sign_in"  # session key: a user past the password, waiting for the second step
PENDING_SECONDS = 300
# Pages an operator without two-factor may still open when FLASHCALL_REQUIRE_2FA=1.
OPEN_WITHOUT_TWO_FACTOR = {"auth.two_factor", "auth.two_factor_enable", "auth.logout", "locale.switch", "static"}


@login_manager.user_loader
def load_user(user_id):
    """The user of a session or remember cookie, if still active and its session version is still the user's."""
    ident, _sep, version = (user_id or "").partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def throttled(template, form):
    form.form_errors.append(_("Too many attempts. Please wait a few minutes and try again."))
    return render_template(template, form=form), 429


def sign_in(user, remember, target):
    """Start a fresh session for the user (no fixation), keeping the chosen language."""
    locale = session.get("locale")
    session.clear()
    if user.locale is None and locale:
        user.locale = locale
    audited("auth.sign_in", actor=user)
    db.session.commit()
    session.permanent = True  # idle sessions expire (PERMANENT_SESSION_LIFETIME)
    login_user(user, remember=remember)
    if user.locale:
        session["locale"] = user.locale
    return redirect(safe_next(target) or url_for("dashboard.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    email, ip = form.email.data, client_address()
    if not throttle.attempt(email, ip):
        return throttled("auth/login.html", form)
    user = db.session.scalar(select(User).where(User.email == email))
    if not credentials.check_password(user, form.password.data) or not user.active:
        audited("auth.sign_in_failed", email, account_id=user.account_id if user else None)
        db.session.commit()
        form.password.errors.append(_("Email or password is incorrect."))
        return render_template("auth/login.html", form=form)
    throttle.succeeded(email, ip)
    if user.two_factor:
        db.session.commit()
        locale = session.get("locale")
        session.clear()
        session[PENDING] = {"user": user.get_id(), "remember": bool(form.remember.data),
                            "next": request.args.get("next"), "at": time.time()}
        if locale:
            session["locale"] = locale
        return redirect(url_for(".second_step"))
    return sign_in(user, form.remember.data, request.args.get("next"))


def _pending_user():
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, None
    return load_user(pending.get("user")), pending


@bp.route("/login/code", methods=["GET", "POST"])
def second_step():
    user, pending = _pending_user()
    if user is None or not user.active:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "warning")
        return redirect(url_for(".login"))
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/code.html", form=form)
    limits = throttle.code_limits(user.id)
    if not throttle.attempt(user.email, client_address(), limits):
        return throttled("auth/code.html", form)
    code = form.code.data
    if credentials.verify_totp(user, code, current_app.config["SECRETS_KEY"]):
        action = None
    elif credentials.use_recovery_code(user, code):
        action = "auth.recovery_code_used"
    else:
        audited("auth.two_factor_failed", user.email, actor=user)
        db.session.commit()
        form.code.errors.append(_("The code is not correct."))
        return render_template("auth/code.html", form=form)
    throttle.succeeded(user.email, client_address(), limits)
    if action:
        audited(action, user.email, actor=user, left=credentials.recovery_codes_left(user))
    return sign_in(user, pending["remember"], pending.get("next"))


@bp.post("/logout")
def logout():
    """Signing out ends every session of the user: a cookie copied before it no longer works."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        credentials.end_sessions(user)
        audited("auth.sign_out", actor=user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.before_app_request
def require_two_factor():
    """With FLASHCALL_REQUIRE_2FA=1, a platform operator sets up two-factor before anything else."""
    if not current_app.config.get("REQUIRE_2FA") or request.endpoint in OPEN_WITHOUT_TWO_FACTOR \
            or is_json_face(request.path):
        return None
    if current_user.is_authenticated and current_user.is_operator and not current_user.two_factor:
        flash(_("Platform operators must turn on two-factor sign-in first."), "warning")
        return redirect(url_for("auth.two_factor"))
    return None
