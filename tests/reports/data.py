"""Calls written with chosen times, statuses and phones, each with a plausible timeline (for the
report tests and the browser's report flow)."""
import itertools
import uuid
from datetime import timedelta

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call, CallEvent

_caller = itertools.count(1000)
REACHED = ("delivered", "answered", "verified", "expired")


class Calls:
    def add(self, service, key=None, status="verified", at=None, phone="+989121234567", reason=None,
            cost=None, call_id=None, answered=False):
        """A call created `at` (naive UTC, default now) with its events; committed. answered=True:
        the phone picked up before the code expired (or was verified)."""
        at = at or utcnow()
        answered = answered or status == "answered"
        rang = status in REACHED or reason in ("attempts", "rejected")
        call = Call(id=call_id or str(uuid.uuid4()), service_id=service.id, key_id=key.id if key else None,
                    phone=phone, caller_number=f"+98219100{next(_caller):04d}", code_length=4, status=status,
                    attempts=3 if reason == "attempts" else int(status == "verified"), created_at=at,
                    dialed_at=at + timedelta(milliseconds=200) if status != "canceled" else None,
                    ringing_at=at + timedelta(seconds=2) if rang else None,
                    answered_at=at + timedelta(seconds=3) if answered else None,
                    ended_at=at + timedelta(seconds=6), expires_at=at + timedelta(minutes=2),
                    verified_at=at + timedelta(seconds=20) if status == "verified" else None,
                    cost=cost if cost is not None else (1500 if rang and reason != "rejected" else 0),
                    failure_reason=reason)
        db.session.add(call)
        kinds = ["queued", "dialing"] + (["ringing"] if rang else []) + (["answered"] if answered else [])
        kinds += [status] if status != "answered" else []
        for n, kind in enumerate(kinds):
            db.session.add(CallEvent(call_id=call.id, kind=kind, at=at + timedelta(seconds=n),
                                     detail=reason if kind == "failed" else None))
        db.session.commit()
        return call
