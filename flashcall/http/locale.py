"""Which language a request is shown in: JSON faces by Accept-Language, pages by the user's choice."""
from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..translation import lazy
from .paths import is_json_face

RTL = {"fa"}
__all__ = ["lazy", "select_locale", "text_direction", "register"]


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if is_json_face(request.path):
        # API clients choose with Accept-Language; Persian unless they ask for English.
        return request.accept_languages.best_match(languages, default="fa") if request.accept_languages else "fa"
    chosen = session.get("locale")
    if not chosen and current_user and current_user.is_authenticated:
        chosen = current_user.locale
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def text_direction():
    return "rtl" if str(get_locale()) in RTL else "ltr"


def register(app):
    app.jinja_env.globals.update(text_direction=text_direction, get_locale=get_locale)
