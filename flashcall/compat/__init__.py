"""The seed-002 compatible endpoint (/telphin/): its JSON bodies and answers, served by our engine,
under the API's request limits (per key and per client address)."""
from flask import Blueprint, current_app

from ..extensions import csrf, limiter

bp = Blueprint("compat", __name__)
csrf.exempt(bp)

from . import routes  # noqa: E402,F401

limiter.limit(lambda: current_app.config["API_RATE_LIMIT_PER_KEY"], key_func=routes.limit_key)(bp)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT_PER_IP"], key_func=routes.limit_address)(bp)
