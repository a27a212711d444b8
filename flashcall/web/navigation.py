"""The dashboard's menu: the entries the signed-in user's role may open."""
from flask_login import current_user

from ..translation import lazy as _l

MENU = [
    ("dashboard.index", _l("Overview"), "view"),
    ("services.index", _l("Services"), "view"),
    ("testpage.index", _l("Test service"), "develop"),
    ("billing.index", _l("Credit and top-ups"), "view"),
    ("guide.index", _l("API guide"), "view"),
    ("users.index", _l("Users"), "manage"),
    ("audit.index", _l("Audit log"), "audit"),
    ("operator.index", _l("Operator"), "operator"),
    ("billing.operator_index", _l("Money"), "operator"),
]


def nav_items():
    items = []
    for endpoint, label, action in MENU:
        if action == "operator":
            allowed = current_user.is_operator
        elif action == "audit":  # owners see their account's log, operators everyone's
            allowed = current_user.is_operator or current_user.can("manage")
        else:
            allowed = current_user.can(action)
        if allowed:
            items.append((endpoint, label))
    return items


def register(app):
    app.jinja_env.globals["nav_items"] = nav_items
