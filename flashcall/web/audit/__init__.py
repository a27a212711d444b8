"""The audit log pages: an owner sees their account's entries, a platform operator every entry."""
from flask import Blueprint

bp = Blueprint("audit", __name__)

from . import routes  # noqa: E402,F401
