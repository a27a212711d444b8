"""The overview page: today's calls, delivery and verification rates, credit."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import routes  # noqa: E402,F401
