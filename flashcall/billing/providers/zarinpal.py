"""Zarinpal REST v4: payment/request.json → StartPay/{authority} → callback (Authority, Status) →
payment/verify.json (100 paid, 101 already verified). Amounts in Rial (currency IRR)."""
from .base import (CARD_PAN_LENGTH, MESSAGE_LENGTH, MINIMUM_RIAL, REF_ID_LENGTH, TIMEOUT_SECONDS, Outcome,
                   ProviderError, answer_text, post_json)

PAID = {100, 101}


class Zarinpal:
    name = "zarinpal"
    minimum = MINIMUM_RIAL

    def __init__(self, merchant_id, base_url, timeout=TIMEOUT_SECONDS):
        self.merchant_id = merchant_id
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings):
        if not settings.zarinpal_merchant_id:
            return None
        return cls(settings.zarinpal_merchant_id, settings.zarinpal_base_url, settings.payment_timeout_seconds)

    def request(self, amount, description, callback_url, order_id):
        """The authority for a new payment; ProviderError (with Zarinpal's code) when refused."""
        answer = post_json(f"{self.base_url}/pg/v4/payment/request.json", {
            "merchant_id": self.merchant_id, "amount": amount, "currency": "IRR",
            "description": description, "callback_url": callback_url, "metadata": {"order_id": str(order_id)},
        }, self.timeout)
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        if data.get("code") == 100 and data.get("authority"):
            return str(data["authority"])
        raise ProviderError(str(_error_code(answer)), "request refused")

    def start_url(self, reference):
        return f"{self.base_url}/pg/StartPay/{reference}"

    @staticmethod
    def callback(args):
        """(reference, whether the payer completed) from the callback's query string."""
        return args.get("Authority", ""), args.get("Status") == "OK"

    def verify(self, reference, amount):
        answer = post_json(f"{self.base_url}/pg/v4/payment/verify.json", {
            "merchant_id": self.merchant_id, "amount": amount, "authority": reference}, self.timeout)
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        code = data.get("code")
        if code in PAID:
            return Outcome(True, str(code), ref_id=answer_text(data.get("ref_id"), REF_ID_LENGTH),
                           card_pan=answer_text(data.get("card_pan"), CARD_PAN_LENGTH))
        return Outcome(False, str(_error_code(answer)), message=_message(answer))


def _error_code(answer):
    errors = answer.get("errors")
    if isinstance(errors, dict) and errors.get("code") is not None:
        return errors["code"]
    data = answer.get("data")
    if isinstance(data, dict) and data.get("code") is not None:
        return data["code"]
    return "unknown"


def _message(answer):
    errors = answer.get("errors")
    return answer_text(errors.get("message"), MESSAGE_LENGTH) if isinstance(errors, dict) else None
