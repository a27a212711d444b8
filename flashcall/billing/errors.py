"""Why a money operation was refused: a stable code and a message people can read."""
from ..translation import lazy as _l

MESSAGES = {
    "insufficient_credit": _l("The account's credit has reached its limit. Top up a service to make new calls."),
    "amount_required": _l("Enter an amount."),
    "amount_invalid": _l("Enter the amount as a whole number, in digits."),
    "amount_not_positive": _l("The amount must be more than zero."),
    "amount_too_small": _l("The amount must be at least %(minimum)s Rial."),
    "amount_too_large": _l("The amount may be at most %(maximum)s Rial."),
    "amount_zero": _l("An adjustment cannot be zero."),
    "reason_required": _l("Write the reason for this adjustment."),
    "limit_positive": _l("The limit must be zero or negative."),
    "price_negative": _l("The price cannot be negative."),
    "no_provider": _l("Online payment is not set up on this server. Ask for a manual top-up instead."),
    "provider_refused": _l("The payment gateway did not accept the request (code %(provider_code)s). Please try again later."),
    "provider_unavailable": _l("The payment gateway did not answer. If money was taken from your card, the credit will be added automatically once the gateway confirms it."),
    "payment_unknown": _l("This payment was not found, or it does not match what the gateway returned."),
    "payment_canceled": _l("The payment was canceled or not completed. No money was taken."),
    "payment_failed": _l("The payment gateway did not confirm this payment (code %(provider_code)s). If money was taken from your card, the bank returns it."),
    "not_pending": _l("This request has already been decided."),
    "bank_reference_required": _l("Enter the bank transfer's tracking number."),
    "reject_reason_required": _l("Write why the request is rejected; the customer will see it."),
}


class BillingError(ValueError):
    """A refused money operation; `code` is stable, `message` localised (read it in a request)."""

    def __init__(self, code, **fields):
        assert code in MESSAGES, code
        super().__init__(code)
        self.code = code
        self.fields = fields

    @property
    def message(self):
        return str(MESSAGES[self.code]) % self.fields if self.fields else str(MESSAGES[self.code])


class InsufficientCredit(BillingError):
    """One more call would take the account's total, less its reservations, below its limit."""

    def __init__(self):
        super().__init__("insufficient_credit")
