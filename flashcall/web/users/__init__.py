"""The account's users: invite with a role, change roles, deactivate (owners only)."""
from flask import Blueprint

bp = Blueprint("users", __name__)

from . import routes  # noqa: E402,F401
