"""The dashboard's menu: the entries the signed-in user's role may open, their icons, the current one."""
from flask import request
from flask_login import current_user

from ..translation import lazy as _l

MENU = [
    ("dashboard.index", _l("Overview"), "view"),
    ("services.index", _l("Services"), "view"),
    ("testpage.index", _l("Test service"), "develop"),
    ("billing.index", _l("Credit and top-ups"), "view"),
    ("guide.index", _l("API guide"), "view"),
    ("users.index", _l("Users"), "manage"),
    ("operator.index", _l("Operator"), "operator"),
    ("billing.operator_index", _l("Money"), "operator"),
]

# Bootstrap Icons names by the menu entry's blueprint; entries without one get the default.
ICONS = {
    "dashboard": "speedometer2",
    "services": "grid-1x2",
    "testpage": "telephone-inbound",
    "guide": "book",
    "users": "people",
    "operator": "hdd-network",
    "reports": "bar-chart-line",
    "topups": "wallet2",
}
DEFAULT_ICON = "circle"

# Pages reached from another menu entry's page count as that entry (a key belongs to its service).
SECTION_OF = {"keys": "services", "webhooks": "services"}


def nav_items():
    items = []
    for endpoint, label, action in MENU:
        allowed = current_user.is_operator if action == "operator" else current_user.can(action)
        if allowed:
            items.append((endpoint, label))
    return items


def nav_icon(endpoint):
    return ICONS.get(endpoint.split(".")[0], DEFAULT_ICON)


def active_section():
    """The blueprint of the menu entry the current page belongs to."""
    blueprint = (request.endpoint or "").split(".")[0]
    return SECTION_OF.get(blueprint, blueprint)


def register(app):
    app.jinja_env.globals.update(nav_items=nav_items, nav_icon=nav_icon, active_section=active_section)
