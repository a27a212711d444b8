"""The JSON API /api/v1: Bearer-key auth, strict JSON bodies, Idempotency-Key, OpenAPI document."""
from flask import Blueprint, current_app

from ..extensions import csrf, limiter

bp = Blueprint("api", __name__)
csrf.exempt(bp)

from . import auth, responses, routes  # noqa: E402,F401

# Two request limits on every API route: per access key (public id) and per client address.
limiter.limit(lambda: current_app.config["API_RATE_LIMIT_PER_KEY"], key_func=auth.limit_key)(bp)
limiter.limit(lambda: current_app.config["API_RATE_LIMIT_PER_IP"], key_func=auth.limit_address)(bp)
