"""The engine's errors: a stable code, its HTTP status, the seed-002 name, a localised message."""
from ..translation import lazy as _l

# code: (HTTP status, compatible name for /telphin/, message)
ERRORS = {
    "invalid_key": (401, "invalid_client", _l("The access key is not valid or has been revoked.")),
    "invalid_parameters": (400, "parameters_error", _l("Some parameters are missing or have the wrong type.")),
    "direction_not_allowed": (422, "direction_error", _l("Calls to this number are not allowed for this service.")),
    "interval_limit": (429, "one_call_for_two_minutes", _l("This number was called a moment ago. Please wait before calling it again.")),
    "daily_limit": (429, "ten_calls_per_day", _l("This number has reached today's call limit.")),
    "service_disabled": (403, "service_is_not_connected", _l("This service is suspended.")),
    "insufficient_credit": (402, "service_is_not_connected", _l("The account's credit has reached its limit. Top up a service to make new calls.")),
    "code_expired": (410, "code_lifetime_expired", _l("The code has expired. Request a new call.")),
    "code_not_found": (404, "auth_code_does_not_exist", _l("There is no code for this number.")),
    "attempts_exhausted": (429, "auth_attempts_ended", _l("No attempts are left for this code. Request a new call.")),
    "invalid_code": (422, "invalid_code", _l("The code is not correct.")),
    "call_still_active": (409, None, _l("The previous call is still active. Wait until it expires or fails.")),
    "already_retried": (409, None, _l("This call was already retried once. Retry the newest call instead.")),
    "idempotency_mismatch": (422, None, _l("This Idempotency-Key was used with a different request.")),
    "gateway_unavailable": (503, None, _l("No telephony gateway can place this call right now.")),
    "not_found": (404, "auth_code_does_not_exist", _l("The call was not found.")),
}

# Engine codes that seed 002 has no name for, and the nearest name it has (used by /telphin/).
NEAREST_COMPAT_NAME = {
    "call_still_active": "one_call_for_two_minutes",
    "already_retried": "one_call_for_two_minutes",
    "gateway_unavailable": "service_is_not_connected",
    "idempotency_mismatch": "parameters_error",
}


class VerificationError(Exception):
    """Raised by the engine; `fields` carries extras such as retry_after or attempts_left, and
    `field` names the offending parameter for invalid_parameters."""

    def __init__(self, code, message=None, **fields):
        assert code in ERRORS, code
        super().__init__(code)
        self.code = code
        self._message = message
        self.fields = fields

    @property
    def http_status(self):
        return ERRORS[self.code][0]

    @property
    def compat_name(self):
        """Seed 002's name for this error, or the nearest one it has."""
        return ERRORS[self.code][1] or NEAREST_COMPAT_NAME.get(self.code, "parameters_error")

    @property
    def message(self):
        """Localised text (call inside a request or app context with a locale)."""
        return str(self._message or ERRORS[self.code][2])
