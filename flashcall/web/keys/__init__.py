"""Access keys: create one for a service (shown once; under /services/<id>/keys/new) and revoke it."""
from flask import Blueprint

bp = Blueprint("keys", __name__)

from . import routes  # noqa: E402,F401
