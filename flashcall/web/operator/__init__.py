"""Operator pages: the gateways and caller-number blocks, and the simulator's virtual phone inbox."""
from flask import Blueprint

bp = Blueprint("operator", __name__)

from . import routes  # noqa: E402,F401
