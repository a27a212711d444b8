"""The manual test page: start a call, watch it arrive, type the code (with the simulator's virtual phone)."""
from flask import Blueprint

bp = Blueprint("testpage", __name__)

from . import routes  # noqa: E402,F401
