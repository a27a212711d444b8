"""The money vocabulary every face uses: ledger kinds, payment states and methods, as people read them."""
from ..translation import lazy as _l

KIND = {
    "topup": _l("Top-up"),
    "charge": _l("Call charge"),
    "refund": _l("Refund"),
    "adjustment": _l("Adjustment"),
}

PAYMENT_STATUS = {
    "pending": _l("Pending"),
    "paid": _l("Paid"),
    "failed": _l("Failed"),
    "rejected": _l("Rejected"),
}

PAYMENT_BADGE = {"pending": "warning", "paid": "success", "failed": "danger", "rejected": "secondary"}

METHOD = {
    "online": _l("Online payment"),
    "manual": _l("Bank transfer"),
}

PROVIDER = {
    "zarinpal": _l("Zarinpal"),
    "zibal": _l("Zibal"),
}


def context():
    return {"kind_labels": KIND, "payment_labels": PAYMENT_STATUS, "payment_badges": PAYMENT_BADGE,
            "method_labels": METHOD, "provider_labels": PROVIDER}
