"""The app factory: configuration, extensions, the faces' blueprints and the CLI."""
from importlib import import_module

from flask import Flask

from . import config as config_module
from .db import configure_sqlite, db
from .extensions import babel, compress, csrf, htmx, limiter, login_manager, migrate
from .http.paths import API_PREFIX, COMPAT_PREFIX
from .accounts import keys
from .telephony import routing

# (module with a `bp`, URL prefix): the pages, then the JSON faces.
BLUEPRINTS = [
    ("flashcall.web.auth", "/auth"),
    ("flashcall.web.dashboard", None),
    ("flashcall.web.services", "/services"),
    ("flashcall.web.keys", None),
    ("flashcall.web.users", "/users"),
    ("flashcall.web.testpage", "/test"),
    ("flashcall.web.reports", "/reports"),
    ("flashcall.web.operator", "/operator"),
    ("flashcall.web.guide", "/guide"),
    ("flashcall.web.webhooks", "/webhooks"),
    ("flashcall.web.billing", None),
    ("flashcall.web.audit", "/audit"),
    ("flashcall.web.language", None),
    ("flashcall.api", API_PREFIX),
    ("flashcall.compat", COMPAT_PREFIX),
]


def create_app(config=None):
    config_module.ensure_instance()
    app = Flask("flashcall", template_folder=str(config_module.ROOT / "templates"),
                static_folder=str(config_module.ROOT / "static"), instance_path=str(config_module.INSTANCE))
    app.config.update(config_module.load(config))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key()
    app.json.ensure_ascii = False  # Persian messages readable as UTF-8 in API answers

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    from .http import locale
    babel.init_app(app, locale_selector=locale.select_locale, timezone_selector=lambda: "Asia/Tehran")
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
    routing.configure(app.config["GATEWAY_CACHE_SECONDS"])
    keys.configure(app.config["KEY_CACHE_SECONDS"])

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = locale.lazy("Please sign in to see this page.")
    login_manager.login_message_category = "warning"

    from .http import errors, reads, security
    from .web import assets, display, navigation
    security.register(app)
    reads.register(app)
    assets.register(app)
    display.register(app)
    navigation.register(app)
    errors.register(app)
    locale.register(app)
    for module, prefix in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp, url_prefix=prefix)

    from . import cli
    cli.register(app)
    return app
