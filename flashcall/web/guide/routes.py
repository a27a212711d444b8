"""GET /guide/: the Persian API guide with runnable examples for this server's address."""
import limits
from flask import current_app, render_template, request
from flask_babel import gettext as _

from ...translation import lazy as _l
from ...verification.errors import ERRORS, NEAREST_COMPAT_NAME
from ...webhooks import sender, signing
from ...webhooks.outbox import EVENTS
from ..display import number
from ..scoping import requires
from . import bp

# What a client should do about each engine error.
ADVICE = {
    "invalid_key": _l("Check the key string; make a new key in the dashboard if it was revoked."),
    "invalid_parameters": _l("Fix the request: the 'field' in the answer names the wrong parameter."),
    "direction_not_allowed": _l("Ask for a number in one of the service's allowed countries (and a mobile, if mobile-only is on)."),
    "interval_limit": _l("Wait 'retry_after' seconds (also in the Retry-After header) before calling this number again."),
    "daily_limit": _l("Let the user try again tomorrow (Tehran time) or use another way to verify."),
    "service_disabled": _l("Ask the account owner to re-activate the service."),
    "insufficient_credit": _l("Top up the account's credit in the dashboard."),
    "code_expired": _l("Start a retry so the user receives a new call."),
    "code_not_found": _l("Start a call for this number first; check you send the same number."),
    "attempts_exhausted": _l("Start a retry; this call accepts no more codes."),
    "invalid_code": _l("Ask the user to check the digits; 'attempts_left' says how many tries remain."),
    "call_still_active": _l("Wait until the call expires or fails, or cancel it, then retry."),
    "already_retried": _l("Retry the newest call (its id is in the first retry's answer), or start a new call."),
    "idempotency_mismatch": _l("Use a new Idempotency-Key for a different request."),
    "gateway_unavailable": _l("Try again in a little while; the operator has been told."),
    "not_found": _l("Check the call id; calls of other services are not visible to this key."),
}


# Rate-limit periods (the names `limits` gives them) in words.
PERIODS = {"second": _l("second"), "minute": _l("minute"), "hour": _l("hour"), "day": _l("day"),
           "month": _l("month"), "year": _l("year")}


def rate_limit_text(spec):
    """A Flask-Limiter rule such as '600/minute' in words and the page's digits."""
    parts = []
    for item in limits.parse_many(spec):
        period = PERIODS.get(item.GRANULARITY.name, item.GRANULARITY.name)
        if item.multiples == 1:
            parts.append(_("%(count)s requests per %(period)s", count=number(item.amount), period=period))
        else:
            parts.append(_("%(count)s requests per %(multiples)s %(period)s", count=number(item.amount),
                           multiples=number(item.multiples), period=period))
    return " · ".join(parts)


def error_rows():
    """(code, HTTP status, seed-002 name, message, advice) for every engine error."""
    return [(code, status, name or NEAREST_COMPAT_NAME.get(code, "parameters_error"), message, ADVICE.get(code, ""))
            for code, (status, name, message) in ERRORS.items()]


@bp.get("/")
@requires("view")
def index():
    return render_template(
        "guide/index.html",
        base=request.host_url.rstrip("/"),
        errors=error_rows(),
        events=EVENTS,
        signing=signing,
        backoff=sender.BACKOFF_SECONDS,
        timeout=current_app.config.get("WEBHOOK_TIMEOUT_SECONDS", sender.TIMEOUT_SECONDS),
        rate_limit=rate_limit_text(current_app.config["API_RATE_LIMIT_PER_KEY"]),
    )
