"""The API guide page: authentication, the call → verify → retry flow, errors, webhooks and limits."""
from flask import Blueprint

bp = Blueprint("guide", __name__)

from . import routes  # noqa: E402,F401
