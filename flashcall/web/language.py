"""The language switch: remembered in the session and on the signed-in user."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user

from ..db import db
from .redirects import safe_next

bp = Blueprint("locale", __name__)


def _back():
    """The page the switch was pressed on: the form's `next`, else the referring page of this site."""
    target = safe_next(request.form.get("next"))
    if target is None and request.referrer:
        referrer = urlsplit(request.referrer)
        if referrer.netloc == request.host:
            target = safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return target or url_for("dashboard.index")


@bp.post("/language/<code>")
def switch(code):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(_back())
