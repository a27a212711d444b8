"""The seed-002 compatible endpoint (/telphin/): its JSON bodies and answers, served by our engine."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("compat", __name__)
csrf.exempt(bp)

from . import routes  # noqa: E402,F401
