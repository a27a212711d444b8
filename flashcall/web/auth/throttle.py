"""Sign-in throttling: too many failures for one email or one address within a window."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from ...clock import utcnow
from ...db import db
from ...models import LoginFailure


def is_locked(email, ip):
    since = utcnow() - timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    count = db.session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.at >= since, or_(LoginFailure.email == email, LoginFailure.ip == ip)))
    return count >= current_app.config["LOGIN_MAX_FAILURES"]


def record_failure(email, ip):
    db.session.add(LoginFailure(email=email, ip=ip))
    db.session.commit()


def clear(email):
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
