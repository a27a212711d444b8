"""Concurrent sign-in attempts cannot get more password checks than the limit (the audit counted 8
of 40 on PostgreSQL with a limit of 5): each attempt is counted by one atomic upsert first."""
import threading
from concurrent.futures import ThreadPoolExecutor

from flashcall.accounts import credentials
from flashcall.db import db

ATTEMPTS = 40


def test_forty_concurrent_attempts_get_exactly_five_password_checks(app, make, monkeypatch):
    email = make.account().email
    db.session.commit()  # end the read it took (on SQLite every transaction holds the write lock)
    checks, lock = [], threading.Lock()
    real = credentials.check_password

    def counted(who, password):
        with lock:
            checks.append(password)
        return real(who, password)
    monkeypatch.setattr(credentials, "check_password", counted)
    barrier = threading.Barrier(ATTEMPTS)

    def attempt(_):
        client = app.test_client()
        barrier.wait()
        return client.post("/auth/login", data={"email": email, "password": "wrong-password"}).status_code
    with ThreadPoolExecutor(ATTEMPTS) as pool:
        statuses = list(pool.map(attempt, range(ATTEMPTS)))
    assert len(checks) == 5
    assert sorted(statuses) == [200] * 5 + [429] * (ATTEMPTS - 5)
