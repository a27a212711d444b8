"""How users prove who they are: passwords (changing one signs out every session), two-factor
codes (TOTP, each accepted once) and recovery codes, and one-time password-reset links."""
import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta, timezone

import pyotp
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import sealing
from ..clock import utcnow
from ..db import db
from ..models import PasswordReset, User
from .errors import ProvisioningError

MIN_PASSWORD_LENGTH = 8
ISSUER = "Flashcall"
RECOVERY_CODES = 10
TOTP_DRIFT_STEPS = 1  # a code from the step before or after also counts (clock drift, typing time)

_dummy_hash = None


def check_password(user, password):
    """The password check, as costly for an unknown email (user None) as for a known one, so the
    answer's timing does not tell which emails exist."""
    global _dummy_hash
    if user is None:
        _dummy_hash = _dummy_hash or generate_password_hash(secrets.token_hex(16))
        check_password_hash(_dummy_hash, password)
        return False
    return user.check_password(password)


def end_sessions(user):
    """Every session and remember cookie of the user stops working. Does not commit."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1))
    db.session.refresh(user, ["session_version"])


def set_password(user, password):
    """A new password; every existing session of the user ends. Does not commit."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ProvisioningError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    user.set_password(password)
    user.password_changed_at = utcnow()
    end_sessions(user)


# Two-factor codes ------------------------------------------------------------------------------

def new_totp_secret():
    return pyotp.random_base32()


def provisioning_uri(user, secret):
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _matching_step(secret, code, now):
    """The time step whose code equals `code` (within the drift), or None."""
    totp = pyotp.TOTP(secret)
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != totp.digits:
        return None
    step_now = totp.timecode(now)
    for step in range(step_now - TOTP_DRIFT_STEPS, step_now + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _moment(at):
    return datetime.fromtimestamp(at if at is not None else time.time(), tz=timezone.utc)


def code_fits(secret, code, at=None):
    """Whether `code` is current for `secret` (used once, while turning two-factor on)."""
    return _matching_step(secret, code, _moment(at)) is not None


def verify_totp(user, code, secrets_key, at=None):
    """A current code that was not used before; remembers its step so it cannot be replayed.
    `secrets_key` opens the stored (sealed) secret. Does not commit."""
    secret = sealing.opened(secrets_key, user.totp_secret_sealed) if user.two_factor else None
    if secret is None:
        return False
    step = _matching_step(secret, code, _moment(at))
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    # Conditional update: of two requests with the same code, only one moves the step.
    moved = db.session.execute(update(User).where(
        User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)).rowcount
    db.session.refresh(user, ["totp_last_step"])
    return bool(moved)


def _hash_code(code):
    return hashlib.sha256(code.strip().lower().replace("-", "").replace(" ", "").encode()).hexdigest()


def new_recovery_codes(user):
    """Ten fresh recovery codes (the old ones stop working); returned once, stored as hashes."""
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    user.recovery_codes = "\n".join(_hash_code(code) for code in codes)
    return codes


def use_recovery_code(user, code):
    """True (and the code is spent) if `code` is one of the user's unused recovery codes. Does not commit."""
    hashes = (user.recovery_codes or "").split()
    wanted = _hash_code(code or "")
    match = next((h for h in hashes if hmac.compare_digest(h, wanted)), None)
    if match is None:
        return False
    hashes.remove(match)
    moved = db.session.execute(update(User).where(User.id == user.id, User.recovery_codes == user.recovery_codes)
                               .values(recovery_codes="\n".join(hashes))).rowcount
    db.session.refresh(user, ["recovery_codes"])
    return bool(moved)


def recovery_codes_left(user):
    return len((user.recovery_codes or "").split())


def enable_two_factor(user, secret, secrets_key):
    """Turn two-factor sign-in on with a confirmed secret (stored sealed with `secrets_key`); returns
    the recovery codes. Does not commit."""
    user.totp_secret_sealed = sealing.seal(secrets_key, secret)
    user.totp_enabled_at = utcnow()
    user.totp_last_step = None
    return new_recovery_codes(user)


def disable_two_factor(user):
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_codes = None


# Password-reset links --------------------------------------------------------------------------

def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset(user, hours, issued_by=None):
    """A one-time reset token for the user (only its hash is stored); earlier unused ones die.
    Returns the token. Does not commit."""
    now = utcnow()
    db.session.execute(update(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash_token(token), created_at=now,
                                 expires_at=now + timedelta(hours=hours),
                                 issued_by_id=getattr(issued_by, "id", None)))
    return token


def find_reset(token):
    """The live reset for a token (unused, not expired), or None."""
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _hash_token(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or not reset.user.active:
        return None
    return reset


def redeem_reset(token, password):
    """Set the password through a live reset link, spending it; the user, or None if the link is
    not live (also when two requests race: one wins). Does not commit."""
    reset = find_reset(token)
    if reset is None:
        return None
    spent = db.session.execute(update(PasswordReset).where(
        PasswordReset.id == reset.id, PasswordReset.used_at.is_(None)).values(used_at=utcnow())).rowcount
    if not spent:
        return None
    set_password(reset.user, password)
    return reset.user
