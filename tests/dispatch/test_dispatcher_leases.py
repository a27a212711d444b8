"""The dispatcher's leases and its last resort: renewing extends only the leases of the calls it drives
and still holds (in one statement), and failing a call it could not move touches only a call of its own,
never ending it before it was dialled."""
from datetime import timedelta

from sqlalchemy import event

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.dispatch.dispatcher import Dispatcher
from flashcall.models import Call
from flashcall.settings import Settings
from flashcall.verification import start_call

from ..verification.conftest import PHONE, ctx, service  # noqa: F401

PHONES = (PHONE, "+989121111111", "+989122222222")
RINGING_LONG = Settings(sim_ring_delay=0, sim_ring_seconds=3600)


def _updates_of_calls(work):
    seen = []

    def capture(conn, cursor, statement, *rest):
        if " ".join(statement.split()).upper().startswith("UPDATE CALL "):
            seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        result = work()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return result, seen


def _ringing(service, name, phones=PHONES):
    """A dispatcher driving one ringing call per phone."""
    start = utcnow()
    calls = [start_call(service, phone, now=start) for phone in phones]
    driving = Dispatcher(name, RINGING_LONG)
    driving.claim(start)
    assert driving.finish(0.5) is False  # they ring for an hour
    for call in calls:
        db.session.refresh(call)
        assert (call.status, call.lease_owner) == ("ringing", name)
    return driving, calls, start


def test_a_dispatcher_driving_nothing_renews_nothing(ctx):
    idle = Dispatcher("idle", RINGING_LONG)
    try:
        renewed, statements = _updates_of_calls(lambda: idle.renew(utcnow()))
    finally:
        idle.close()
    assert renewed == 0 and statements == []


def test_renewing_is_one_statement_for_all_the_calls_driven(service):
    driving, calls, start = _ringing(service, "renewing")
    try:
        later = start + timedelta(seconds=4)
        renewed, statements = _updates_of_calls(lambda: driving.renew(later))
        assert renewed == 3 and len(statements) == 1
        db.session.expire_all()
        assert {c.lease_expires_at for c in db.session.query(Call)} == {later + driving.lease}
    finally:
        driving.close()


def test_renewing_leaves_a_call_the_dispatcher_is_not_driving(service):
    driving, calls, start = _ringing(service, "driving-two", PHONES[:2])
    stray = start_call(service, PHONES[2], now=start)  # ringing under this worker's name, e.g. before a restart
    stray.status, stray.lease_owner = "ringing", "driving-two"
    stray.lease_expires_at = start + timedelta(seconds=1)
    db.session.commit()
    try:
        assert driving.renew(start + timedelta(seconds=4)) == 2
        db.session.refresh(stray)
        assert stray.lease_expires_at == start + timedelta(seconds=1)  # left to run out and be recovered
    finally:
        driving.close()


def test_a_call_another_dispatcher_took_over_is_not_renewed_but_hung_up(service):
    driving, calls, start = _ringing(service, "losing")
    taken = calls[0]
    taken.lease_owner = "other-worker"  # recovered and claimed elsewhere meanwhile
    taken.lease_expires_at = start + timedelta(seconds=1)
    db.session.commit()
    try:
        assert driving.renew(start + timedelta(seconds=4)) == 2
        assert taken.id not in driving.inflight and len(driving.inflight) == 2
        db.session.refresh(taken)
        assert (taken.lease_owner, taken.lease_expires_at) == ("other-worker", start + timedelta(seconds=1))
    finally:
        driving.close()


def test_failing_a_call_it_could_not_move_spares_another_dispatchers_call(service):
    driving, calls, start = _ringing(service, "failing")
    mine, theirs = calls[0], calls[1]
    theirs.lease_owner = "other-worker"
    db.session.commit()
    try:
        driving._fail_internal(theirs.id, start + timedelta(seconds=2))
        driving._fail_internal(mine.id, start + timedelta(seconds=2))
        db.session.expire_all()
        assert (theirs.status, theirs.failure_reason, theirs.lease_owner) == ("ringing", None, "other-worker")
        assert (mine.status, mine.failure_reason, mine.lease_owner) == ("failed", "internal_error", None)
    finally:
        driving.close()


def test_a_call_failed_on_an_event_older_than_its_dialling_ends_when_it_was_dialled(service):
    driving, calls, start = _ringing(service, "early-event")
    call = calls[0]
    dialed = call.dialed_at
    try:
        driving._fail_internal(call.id, dialed - timedelta(seconds=5))  # a gateway clock behind ours
        db.session.expire_all()
        assert (call.status, call.ended_at) == ("failed", dialed)
        assert [(e.kind, e.at) for e in call.events][-1] == ("failed", dialed)
    finally:
        driving.close()
