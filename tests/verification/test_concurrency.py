"""Limits hold when many threads (each its own connection) race for one number."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flashcall.db import db
from flashcall.models import Call, Service
from tests.worker import run_once
from flashcall.verification import VerificationError, find_call, retry_call, start_call, verify_call
from flashcall.verification import calls as calls_module

from .conftest import PHONE

THREADS = 12


def _race(app, fn, n=THREADS):
    barrier = threading.Barrier(n)

    def one(_):
        with app.test_request_context("/api/v1/race"):
            barrier.wait()
            try:
                fn()
                return "ok"
            except VerificationError as exc:
                return exc.code
            finally:
                db.session.remove()
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_starts_for_one_number_accept_exactly_one(app, service):
    service_id = service.id
    db.session.commit()
    results = _race(app, lambda: start_call(db.session.get(Service, service_id), PHONE))
    assert results.count("ok") == 1
    assert set(results) == {"ok", "interval_limit"}
    db.session.expire_all()
    assert db.session.query(Call).filter_by(phone=PHONE).count() == 1


def test_concurrent_wrong_guesses_never_exceed_max_attempts(app, service):
    call = start_call(service, PHONE)
    run_once()
    call_id, service_id = call.id, service.id
    wrong = "0000" if call.code != "0000" else "1111"
    db.session.commit()  # end our read: on SQLite every transaction holds the write lock

    def guess():
        verify_call(find_call(db.session.get(Service, service_id), call_id), wrong)
    results = _race(app, guess)
    assert results.count("invalid_code") == 3
    assert results.count("attempts_exhausted") == THREADS - 3
    db.session.expire_all()
    call = db.session.get(Call, call_id)
    assert call.attempts == 3 and call.status == "failed"


def test_concurrent_retries_of_one_call_place_exactly_one(app, service):
    """The audit: 20 parallel retries of one call rang one phone 9 times in a second."""
    service.min_interval_seconds = 0
    call = start_call(service, PHONE)
    run_once()
    db.session.refresh(call)
    call.expires_at = call.created_at  # its code lifetime is over
    call_id, service_id = call.id, service.id
    db.session.commit()

    def retry():
        retry_call(find_call(db.session.get(Service, service_id), call_id))
    results = _race(app, retry)
    assert results.count("ok") == 1 and set(results) == {"ok", "already_retried"}
    db.session.expire_all()
    assert db.session.query(Call).filter_by(retry_of=call_id).count() == 1


def test_a_retry_waits_for_a_new_call_to_its_number_and_sees_it(app, service, monkeypatch):
    """A retry takes the same per-number lock as a new call: while a new call to the number is being
    written (its lock held, the number's history read), the retry waits, then the interval limit
    refuses it. Without the lock both would be placed."""
    service.min_interval_seconds = 120
    call = start_call(service, PHONE)
    run_once()
    db.session.refresh(call)
    call.created_at -= timedelta(minutes=10)  # the interval since it has passed
    call.expires_at = call.created_at + timedelta(minutes=2)  # and its code lifetime is over
    call_id, service_id = call.id, service.id
    db.session.commit()
    writing, original = threading.Event(), calls_module._new_call

    def slow_new_call(*args, **kwargs):
        made = original(*args, **kwargs)
        if kwargs.get("retry_of") is None:  # the new call: hold its lock a moment before committing
            writing.set()
            time.sleep(0.5)
        return made
    monkeypatch.setattr(calls_module, "_new_call", slow_new_call)

    def one(kind):
        with app.test_request_context("/api/v1/race"):
            try:
                if kind == "retry":  # reads nothing before: on SQLite its first read takes the write lock
                    assert writing.wait(30)
                found = db.session.get(Service, service_id)
                if kind == "retry":
                    retry_call(find_call(found, call_id))
                else:
                    start_call(found, PHONE)
                return "ok"
            except VerificationError as exc:
                return exc.code
            finally:
                db.session.remove()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, ["start", "retry"]))
    assert results == ["ok", "interval_limit"]
    db.session.expire_all()
    assert db.session.query(Call).filter_by(phone=PHONE).count() == 2
