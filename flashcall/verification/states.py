"""The call-state vocabulary every face uses: the states, failure reasons and timeline events,
their words as people read them, and their badge colours."""
from ..models.call import CODE_LIVE, FINAL, PENDING
from ..translation import lazy as _l

STATES = PENDING + CODE_LIVE + FINAL

STATUS = {
    "queued": _l("Queued"),
    "dialing": _l("Dialing"),
    "ringing": _l("Ringing"),
    "delivered": _l("Delivered"),
    "answered": _l("Answered"),
    "verified": _l("Verified"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
    "canceled": _l("Canceled"),
}

REASON = {
    "busy": _l("The line was busy."),
    "unreachable": _l("The phone is off or out of reach."),
    "rejected": _l("The call was rejected."),
    "gateway_error": _l("The telephony gateway reported an error."),
    "invalid_number": _l("The number does not exist."),
    "internal_error": _l("An internal error ended the call."),
    "interrupted": _l("The call was interrupted."),
    "timeout": _l("The call was not delivered in time."),
    "attempts": _l("Too many wrong codes were entered."),
    "answered": _l("The phone picked up; the call was ended at once."),
}

EVENT = dict(STATUS, verify_failed=_l("Wrong code entered"))

BADGE = {
    "verified": "success", "delivered": "info", "answered": "warning", "failed": "danger",
    "expired": "secondary", "canceled": "secondary",
}

PROGRESS = ("queued", "dialing", "ringing", "delivered")


def context():
    return {"status_labels": STATUS, "reason_labels": REASON, "event_labels": EVENT,
            "status_badges": BADGE, "progress_steps": PROGRESS}
