"""Which language a request is shown in, and the route that switches it."""
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_babel import get_locale, lazy_gettext
from flask_login import current_user

lazy = lazy_gettext
RTL = {"fa"}


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith(("/api/", "/telphin")):
        # API clients choose with Accept-Language; Persian unless they ask for English.
        return request.accept_languages.best_match(languages, default="fa") if request.accept_languages else "fa"
    chosen = session.get("locale")
    if not chosen and current_user and current_user.is_authenticated:
        chosen = current_user.locale
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction():
    return "rtl" if str(get_locale()) in RTL else "ltr"


bp = Blueprint("locale", __name__)


@bp.post("/language/<code>")
def switch(code):
    from .extensions import db
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next") or request.referrer or url_for("dashboard.index")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("dashboard.index")
    return redirect(target)


def register(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(text_direction=text_direction, get_locale=get_locale)
