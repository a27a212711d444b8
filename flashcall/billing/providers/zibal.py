"""Zibal: v1/request → start/{trackId} → callback (success, trackId) → v1/verify (100 paid,
201 already verified). Merchant `zibal` is its sandbox. Amounts in Rial."""
from .base import (CARD_PAN_LENGTH, MESSAGE_LENGTH, MINIMUM_RIAL, REF_ID_LENGTH, TIMEOUT_SECONDS, Outcome,
                   ProviderError, answer_text, post_json)

PAID = {100, 201}


class Zibal:
    name = "zibal"
    minimum = MINIMUM_RIAL

    def __init__(self, merchant, base_url, timeout=TIMEOUT_SECONDS):
        self.merchant = merchant
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings):
        if not settings.zibal_merchant:
            return None
        return cls(settings.zibal_merchant, settings.zibal_base_url, settings.payment_timeout_seconds)

    def request(self, amount, description, callback_url, order_id):
        answer = post_json(f"{self.base_url}/v1/request", {
            "merchant": self.merchant, "amount": amount, "callbackUrl": callback_url,
            "description": description, "orderId": str(order_id)}, self.timeout)
        if answer.get("result") == 100 and answer.get("trackId"):
            return str(answer["trackId"])
        raise ProviderError(str(answer.get("result", "unknown")), "request refused")

    def start_url(self, reference):
        return f"{self.base_url}/start/{reference}"

    @staticmethod
    def callback(args):
        return args.get("trackId", ""), args.get("success") == "1"

    def verify(self, reference, amount):
        answer = post_json(f"{self.base_url}/v1/verify", {"merchant": self.merchant, "trackId": reference},
                           self.timeout)
        result = answer.get("result")
        if result in PAID:
            if answer.get("amount") is not None and int(answer["amount"]) != amount:
                return Outcome(False, "amount_mismatch", message="the paid amount differs")
            return Outcome(True, str(result), ref_id=answer_text(answer.get("refNumber"), REF_ID_LENGTH),
                           card_pan=answer_text(answer.get("cardNumber"), CARD_PAN_LENGTH))
        return Outcome(False, str(result if result is not None else "unknown"),
                       message=answer_text(answer.get("message"), MESSAGE_LENGTH))
