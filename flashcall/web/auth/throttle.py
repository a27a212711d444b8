"""Sign-in throttling: attempts counted per (email, address) pair, under slower ceilings per email
and per address. Each attempt is counted *before* the password is checked, by one atomic upsert
per key, so concurrent attempts can never get more checks than the limit allows."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...accounts import credentials
from ...clock import utcnow
from ...db import commit_or_rollback, db, on_postgresql
from ...models import LoginThrottle

TABLE = LoginThrottle.__table__


def _limits(email, ip):
    """(key, allowed attempts in the window) for one sign-in attempt."""
    config = current_app.config
    return [(f"pair:{email}|{ip}", config["LOGIN_MAX_FAILURES"]),
            (f"email:{email}", config["LOGIN_MAX_FAILURES_PER_EMAIL"]),
            (f"ip:{ip}", config["LOGIN_MAX_FAILURES_PER_ADDRESS"])]


def _count(key, now, since):
    """Add one attempt to `key` (a fresh window if the old one is over); the new count."""
    insert = pg_insert if on_postgresql() else sqlite_insert
    expired = TABLE.c.window_start < since
    stmt = insert(TABLE).values(key=key[:400], window_start=now, attempts=1)
    stmt = stmt.on_conflict_do_update(index_elements=[TABLE.c.key], set_={
        "attempts": case((expired, 1), else_=TABLE.c.attempts + 1),
        "window_start": case((expired, now), else_=TABLE.c.window_start),
    }).returning(TABLE.c.attempts)
    return db.session.execute(stmt).scalar_one()


def _window():
    return timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])


def attempt(email, ip, limits=None):
    """Count one attempt; False when the pair, the email or the address is over its limit
    (the password must then not be checked). Commits."""
    now = utcnow()
    since = now - _window()
    limits = limits or _limits(email, ip)
    counts = commit_or_rollback(lambda: [(_count(key, now, since), allowed) for key, allowed in limits])
    return all(count <= allowed for count, allowed in counts)


def succeeded(email, ip, limits=None):
    """A right password: the pair starts afresh, and this attempt no longer weighs on the ceilings."""
    limits = limits or _limits(email, ip)
    pair, *ceilings = [key for key, _allowed in limits]
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key == pair).values(attempts=0))
    for key in ceilings:
        db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key, LoginThrottle.attempts > 0)
                           .values(attempts=LoginThrottle.attempts - 1))


def password_ok(user, password, ip):
    """A signed-in user confirming their password (to change it, to turn off two-factor …) meets
    the sign-in throttle too, so a stolen session cannot guess it. None when throttled."""
    if not attempt(user.email, ip):
        return None
    ok = credentials.check_password(user, password)
    if ok:
        succeeded(user.email, ip)
    return ok


def code_limits(user_id):
    """The second step (a two-factor or recovery code) gets as many tries as a password."""
    return [(f"code:{user_id}", current_app.config["LOGIN_MAX_FAILURES"])]
