"""The dashboard's menu: the entries the signed-in user's role may open, their icons, the current one."""
from flask import request
from flask_login import current_user

from ..translation import lazy as _l

MENU = [
    ("dashboard.index", _l("Overview"), "view"),
    ("services.index", _l("Services"), "view"),
    ("testpage.index", _l("Test service"), "develop"),
    ("reports.index", _l("Reports"), "view"),
    ("billing.index", _l("Credit and top-ups"), "view"),
    ("guide.index", _l("API guide"), "view"),
    ("users.index", _l("Users"), "manage"),
    ("audit.index", _l("Audit log"), "audit"),
    ("operator.index", _l("Operator"), "operator"),
    ("billing.operator_index", _l("Money"), "operator"),
]

# Bootstrap Icons names by the menu entry's endpoint, else its blueprint; the rest get the default.
ICONS = {
    "billing.operator_index": "cash-coin",
    "dashboard": "speedometer2",
    "services": "grid-1x2",
    "testpage": "telephone-inbound",
    "guide": "book",
    "users": "people",
    "operator": "hdd-network",
    "reports": "bar-chart-line",
    "billing": "wallet2",
    "audit": "journal-text",
}
DEFAULT_ICON = "circle"

# Pages reached from another menu entry's page count as that entry (a key belongs to its service).
SECTION_OF = {"keys": "services", "webhooks": "services"}


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


def nav_icon(endpoint):
    return ICONS.get(endpoint) or ICONS.get(endpoint.split(".")[0], DEFAULT_ICON)


def active_entry(items):
    """The endpoint of the menu entry the current page belongs to: the page itself if it is in the
    menu, else the first entry of its blueprint (or of the blueprint it counts as)."""
    endpoint = request.endpoint or ""
    if any(entry == endpoint for entry, _label in items):
        return endpoint
    blueprint = endpoint.split(".")[0]
    section = SECTION_OF.get(blueprint, blueprint)
    return next((entry for entry, _label in items if entry.split(".")[0] == section), None)


def register(app):
    app.jinja_env.globals.update(nav_items=nav_items, nav_icon=nav_icon, active_entry=active_entry)
