"""Signed webhook events: the outbox (written by the engine), the sender (run by the dispatcher), the dashboard fragment."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from . import routes  # noqa: E402,F401
