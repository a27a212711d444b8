"""The dashboard's menu: the entries the signed-in user's role may open."""
from flask_login import current_user

from ..translation import lazy as _l

MENU = [
    ("dashboard.index", _l("Overview"), "view"),
    ("services.index", _l("Services"), "view"),
    ("testpage.index", _l("Test service"), "develop"),
    ("reports.index", _l("Reports"), "view"),
    ("guide.index", _l("API guide"), "view"),
    ("users.index", _l("Users"), "manage"),
    ("operator.index", _l("Operator"), "operator"),
]


def nav_items():
    items = []
    for endpoint, label, action in MENU:
        allowed = current_user.is_operator if action == "operator" else current_user.can(action)
        if allowed:
            items.append((endpoint, label))
    return items


def register(app):
    app.jinja_env.globals["nav_items"] = nav_items
