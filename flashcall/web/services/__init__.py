"""Services: create, edit, suspend and re-activate, and each service's settings and keys."""
from flask import Blueprint

bp = Blueprint("services", __name__)

from . import routes  # noqa: E402,F401
