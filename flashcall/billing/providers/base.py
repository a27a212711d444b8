"""What every payment provider answers, and how its HTTP calls fail."""
from dataclasses import dataclass

import requests

TIMEOUT_SECONDS = 15
MINIMUM_RIAL = 10_000  # Zarinpal's minimum; Zibal's is lower


class ProviderError(Exception):
    """The provider could not be reached or answered nonsense (timeout, 5xx, bad JSON): `code` says which."""

    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


# The longest text kept of each answer field: the Payment column it lands in (a test holds them equal).
REF_ID_LENGTH = 64
CARD_PAN_LENGTH = 32
MESSAGE_LENGTH = 200


def answer_text(value, limit):
    """A provider's field as text cut to `limit` characters; None when it is absent or empty."""
    return str(value)[:limit] if value not in (None, "") else None


@dataclass(frozen=True)
class Outcome:
    """A verification's result: paid (also when already verified before), or not with the provider's code."""
    paid: bool
    code: str
    ref_id: str | None = None
    card_pan: str | None = None
    message: str | None = None


def post_json(url, body, timeout):
    """POST JSON and return the decoded answer; ProviderError on timeout, transport error, 5xx or non-JSON."""
    try:
        response = requests.post(url, json=body, timeout=timeout, allow_redirects=False,
                                 headers={"Accept": "application/json"})
    except requests.Timeout:
        raise ProviderError("timeout", url) from None
    except requests.RequestException as exc:
        raise ProviderError("unreachable", type(exc).__name__) from None
    if response.status_code >= 500:
        raise ProviderError(f"http_{response.status_code}", url)
    try:
        answer = response.json()
    except ValueError:
        raise ProviderError("bad_answer", f"HTTP {response.status_code}") from None
    if not isinstance(answer, dict):
        raise ProviderError("bad_answer", f"HTTP {response.status_code}")
    return answer
