"""The language switch: remembered in the session and on the signed-in user."""
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user

from ..db import db

bp = Blueprint("locale", __name__)


@bp.post("/language/<code>")
def switch(code):
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next") or request.referrer or url_for("dashboard.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("dashboard.index")
    return redirect(target)
