"""Signing in and out, and the account's security: password change and reset links, two-factor
sign-in with recovery codes, signing out every device."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import account, reset, routes, two_factor  # noqa: E402,F401
