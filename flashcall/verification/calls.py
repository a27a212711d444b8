"""Starting, finding, verifying, retrying and cancelling calls: the engine's public operations."""
import hmac
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import billing
from ..clock import tehran_day_start, utcnow
from ..digits import to_latin
from ..db import commit_or_rollback, db
from ..models import Call
from ..models.call import CODE_LIVE, PENDING, new_call_id
from ..telephony import routing
from ..translation import lazy as _l
from . import codes, history, inserts, limits, loads, phones
from .errors import VerificationError
from .lifecycle import can_transition, record, transition

VERIFIABLE = ("ringing",) + CODE_LIVE


def _gateway(service):
    """The gateway placing the service's call (its own, the default one, or its fallback when
    that one is down or full) with its number blocks; none usable: gateway_unavailable."""
    gateway = routing.gateway_for(service)
    if gateway is None:
        raise VerificationError("gateway_unavailable")
    return gateway


def _check_service(service):
    if not service.is_active:
        raise VerificationError("service_disabled")


def _new_call(service, phone, gateway, key, source, now, past, drawn, retry_of=None):
    """Write the call (with its first event and its reservation); `past` is the number's History,
    read with the `drawn` caller numbers."""
    avoid = retry_of.code if retry_of is not None else None
    values = inserts.new_row(
        id=new_call_id(), service_id=service.id, key_id=key.id if key is not None else None, phone=phone,
        caller_number=codes.choose_caller_number(gateway, service.code_length, avoid, service.id, phone,
                                                 history=past, drawn=drawn),
        code_length=service.code_length, status="queued", source=source, created_at=now,
        expires_at=now + timedelta(minutes=service.code_lifetime_minutes),
        retry_of=retry_of.id if retry_of is not None else None, gateway_id=gateway.id,
        reserved=max(service.price_per_call, 0))
    try:
        return inserts.insert_loaded(values, "queued", service, key, holding=billing.holding_params(service))
    except billing.InsufficientCredit:
        raise VerificationError("insufficient_credit") from None


def _after_lock(service, phone, gateway, drawn, now):
    """The moment (read after the lock, so a waiter sees its own) and the number's History, within its limits."""
    at = now or utcnow()
    past = history.read(service.id, phone, tehran_day_start(at), gateway.id, drawn)
    limits.check(service, past, at)
    return at, past


def start_call(service, phone_raw, *, key=None, source="api", now=None):
    """Queue a call to the phone; the dispatcher places it. Commits; raises VerificationError.
    On PostgreSQL three statements: the number's lock, its history, the call with its reservation."""
    phone = phones.allowed_phone(service, phone_raw)

    def work():
        _check_service(service)
        gateway = _gateway(service)
        drawn = codes.candidates(gateway, service.code_length)
        limits.lock_number(service.id, phone)
        at, past = _after_lock(service, phone, gateway, drawn, now)
        return _new_call(service, phone, gateway, key, source, at, past, drawn)
    return commit_or_rollback(work, keep_loaded=True)


def _locking(*criteria):  # pragma: no mutate block
    # Built once, at import (building it per request cost as much as running it); mutation testing
    # switches mutants on per test, long after import, so it leaves this builder out.
    return (select(Call).where(*criteria).with_for_update(of=Call).options(joinedload(Call.events))
            .execution_options(populate_existing=True))


# The call read under a row lock (FOR UPDATE on PostgreSQL; SQLite serialises writers) with its
# events (a transition appends to them): by id, and by id within a service.
LOCKED = _locking(Call.id == bindparam("call_id"))
LOCKED_OWNED = _locking(Call.id == bindparam("call_id"), Call.service_id == bindparam("service_id"))


def _locked(call):
    """The call re-read under a row lock, with its events, or None."""
    return db.session.scalars(LOCKED, {"call_id": call.id}).unique().first()


def _owned(service, call_id):
    """The service's call of that id under its lock, with its events (loads.owned, or the ORM when the
    session already holds it: its objects are refreshed), or None."""
    call = loads.owned(service, call_id)
    if call is not loads.IN_SESSION:
        return call
    return db.session.scalars(LOCKED_OWNED, {"call_id": call_id, "service_id": service.id}).unique().first()


def expire_if_due(call, now):
    """Lazy expiry: a live code past its lifetime expires; a never-dialled call times out. No commit."""
    if now < call.expires_at:
        return False
    if call.status in VERIFIABLE:
        transition(call, "expired", now)
        return True
    if call.status == "queued" or (call.status == "dialing" and not _lease_live(call, now)):
        transition(call, "failed", now, "timeout")
        return True
    return False


def _lease_live(call, now):
    return call.lease_expires_at is not None and call.lease_expires_at > now


def _plausible_id(call_id):
    return isinstance(call_id, str) and len(call_id) <= 36


def find_call(service, call_id):
    """The service's call with lazy expiry applied, or None."""
    if not _plausible_id(call_id):
        return None
    call = db.session.scalar(select(Call).where(Call.id == call_id, Call.service_id == service.id))
    if call is None:
        return None
    now = utcnow()
    if now >= call.expires_at and call.status in VERIFIABLE + PENDING:
        def work():
            locked = _locked(call)
            expire_if_due(locked, now)
            return locked
        call = commit_or_rollback(work, keep_loaded=True)
    return call


def _clean_code(code_raw):
    code = to_latin(code_raw).strip() if isinstance(code_raw, str) else None
    if not code or not code.isdigit() or len(code) > 12:
        raise VerificationError("invalid_parameters", message=_l("The code must be digits."), field="code")
    return code


def _refusal(call):
    """Why the call cannot be verified now, or None if it can."""
    if call.status == "expired":
        return VerificationError("code_expired")
    if (call.status == "failed" and call.failure_reason == "attempts") or \
            (call.status in VERIFIABLE and call.attempts >= call.service.max_attempts):
        return VerificationError("attempts_exhausted")
    if call.status not in VERIFIABLE:
        return VerificationError("code_not_found")
    return None


def _evaluate(call, code, now):
    if hmac.compare_digest(code.encode(), call.code.encode()):
        transition(call, "verified", now, flush=False)
        return None
    call.attempts += 1
    record(call, "verify_failed", now)
    left = max(0, call.service.max_attempts - call.attempts)
    if left == 0:
        transition(call, "failed", now, "attempts", flush=False)
    return VerificationError("invalid_code", attempts_left=left)


def _verify(load, code_raw, now):
    """Check the code against the call load() reads under its lock (None: not_found); commits the
    outcome (also a failed attempt). Raises VerificationError."""
    outcome = {}

    def work():
        at = now or utcnow()
        locked = load()
        if locked is None:
            raise VerificationError("not_found")
        code = _clean_code(code_raw)
        expire_if_due(locked, at)
        refusal = _refusal(locked)
        if refusal is None:
            refusal = _evaluate(locked, code, at)
            inserts.write_changes(locked)
        outcome["error"] = refusal
        return locked
    locked = commit_or_rollback(work, keep_loaded=True)
    if outcome["error"] is not None:
        raise outcome["error"]
    return locked


def verify_call(call, code_raw, now=None):
    """Check the code; commits the outcome (also a failed attempt). Raises VerificationError."""
    _clean_code(code_raw)  # before the lock: a malformed code waits for nothing
    return _verify(lambda: _locked(call), code_raw, now)


def verify_owned(service, call_id, code_raw, now=None):
    """verify_call for the service's call of that id (not_found otherwise, other services' ids
    included), read once: under its lock, with its events."""
    if not _plausible_id(call_id):
        raise VerificationError("not_found")
    return _verify(lambda: _owned(service, call_id), code_raw, now)


def latest_call(service, phone):
    return db.session.scalar(select(Call).where(Call.service_id == service.id, Call.phone == phone)
                             .order_by(Call.created_at.desc(), Call.id.desc()).limit(1))


def verify_phone(service, phone_raw, code_raw, now=None):
    """Verify the latest call to that number; code_not_found if there is none."""
    phone = phones.normalise(phone_raw)
    _clean_code(code_raw)
    call = latest_call(service, phone)
    if call is None:
        raise VerificationError("code_not_found")
    return verify_call(call, code_raw, now=now)


def was_retried(call):
    """Whether a retry of `call` exists (a call is retried at most once)."""
    return db.session.scalar(select(Call.id).where(Call.retry_of == call.id).limit(1)) is not None


def retry_call(call, *, key=None, source=None, now=None):
    """A new call from a different caller number once the old one expired or failed. A call is
    retried at most once (already_retried), and the retry obeys the number's interval and daily
    limits like any new call. Under the per-number lock, so concurrent retries see each other."""
    service = call.service

    def work():
        _check_service(service)
        gateway = _gateway(service)
        drawn = codes.candidates(gateway, service.code_length, avoid_code=call.code)
        limits.lock_number(service.id, call.phone)
        at = now or utcnow()
        old = _locked(call)
        expire_if_due(old, at)
        if old.status not in ("expired", "failed"):
            raise VerificationError("call_still_active")
        if was_retried(old):
            raise VerificationError("already_retried")
        at, past = _after_lock(service, old.phone, gateway, drawn, at)
        return _new_call(service, old.phone, gateway, key or old.key, source or old.source, at, past, drawn,
                         retry_of=old)
    return commit_or_rollback(work, keep_loaded=True)


def cancel_call(call, now=None):
    """Cancel a call that has not ended; its code is dead. A call already final is returned as is."""
    def work():
        at = now or utcnow()
        locked = _locked(call)
        if can_transition(locked, "canceled"):
            transition(locked, "canceled", at, "client")
        return locked
    return commit_or_rollback(work, keep_loaded=True)
