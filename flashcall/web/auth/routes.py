from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ...db import db
from ...extensions import login_manager
from ...models import User
from . import bp, throttle
from .forms import LoginForm


@login_manager.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))


def _safe_next(target):
    return target if target and target.startswith("/") and not target.startswith("//") else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        ip = request.remote_addr or "-"
        if throttle.is_locked(email, ip):
            form.email.errors.append(_("Too many failed attempts. Please wait a few minutes and try again."))
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None or not user.check_password(form.password.data) or not user.active:
            throttle.record_failure(email, ip)
            form.password.errors.append(_("Email or password is incorrect."))
            return render_template("auth/login.html", form=form), 200
        throttle.clear(email)
        locale = session.get("locale")
        session.clear()  # no session fixation
        if user.locale is None and locale:
            user.locale = locale
        db.session.commit()
        login_user(user, remember=form.remember.data)
        if user.locale:
            session["locale"] = user.locale
        return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
