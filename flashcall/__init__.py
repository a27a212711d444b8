"""Flashcall: flash-call phone verification with a Persian dashboard."""
from flask import Flask

from . import config as config_module
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate


def create_app(config=None):
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(config_module.INSTANCE))
    app.config.update(config_module.load(config))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module._secret_key()
    app.json.ensure_ascii = False  # Persian messages readable as UTF-8 in API answers

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    from . import locale, sqlite_setup
    babel.init_app(app, locale_selector=locale.select_locale, timezone_selector=lambda: "Asia/Tehran")
    with app.app_context():
        sqlite_setup.configure(db.engine)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = locale.lazy("Please sign in to see this page.")
    login_manager.login_message_category = "warning"

    from . import display, errors, navigation
    display.register(app)
    navigation.register(app)
    errors.register(app)
    locale.register(app)
    _register_blueprints(app)
    from . import benchmark
    benchmark.register(app)

    from . import cli
    cli.register(app)
    return app


def _register_blueprints(app):
    from importlib import import_module
    for name, prefix in BLUEPRINTS:
        app.register_blueprint(import_module(f"flashcall.{name}").bp, url_prefix=prefix)


BLUEPRINTS = [
    ("auth", "/auth"),
    ("dashboard", None),
    ("services", "/services"),
    ("keys", "/keys"),
    ("users", "/users"),
    ("testpage", "/test"),
    ("operator", "/operator"),
    ("guide", "/guide"),
    ("webhooks", "/webhooks"),
    ("api", "/api/v1"),
    ("compat", "/telphin"),
]
