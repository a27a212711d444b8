"""The dashboard's menu: entries for the blueprints that exist and the user's role."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

MENU = [
    ("dashboard.index", _l("Overview"), "view"),
    ("services.index", _l("Services"), "view"),
    ("testpage.index", _l("Test service"), "develop"),
    ("reports.index", _l("Reports"), "view"),
    ("topups.index", _l("Credit"), "view"),
    ("guide.index", _l("API guide"), "view"),
    ("users.index", _l("Users"), "manage"),
    ("operator.index", _l("Operator"), "operator"),
]


def nav_items():
    items = []
    for endpoint, label, action in MENU:
        if endpoint not in current_app.view_functions:
            continue
        allowed = current_user.is_operator if action == "operator" else current_user.can(action)
        if allowed:
            items.append((endpoint, label))
    return items


def has_endpoint(endpoint):
    """Lets a page link to a feature only when its blueprint is installed."""
    return endpoint in current_app.view_functions


def register(app):
    app.jinja_env.globals.update(nav_items=nav_items, has_endpoint=has_endpoint)
