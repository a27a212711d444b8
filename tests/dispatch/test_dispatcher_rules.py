"""What the dispatcher passes on: a gateway's own words reach the call's timeline after the reason,
the driver is told of each move at the moment it was applied, and closing cancels each call still
ringing by its id."""
from datetime import timedelta

from sqlalchemy import select

from flashcall.db import db
from flashcall.dispatch.dispatcher import Dispatcher
from flashcall.models import Call, SimInboxEntry
from flashcall.settings import Settings
from flashcall.telephony.events import Event
from flashcall.verification import start_call
from tests.worker import run_once

from ..verification.conftest import PHONE, T0, ctx, service  # noqa: F401

QUIET = Settings(sim_ring_delay=1800, sim_ring_seconds=0)  # the simulator rings nobody during the test


def _claimed(service, now):
    call = start_call(service, PHONE, now=now)
    dispatcher = Dispatcher("rules", QUIET)
    dispatcher.claim(now)
    return dispatcher, call.id


def test_the_gateways_words_follow_the_reason_in_the_timeline(service):
    now = T0
    dispatcher, call_id = _claimed(service, now)
    try:
        said = now + timedelta(seconds=2)
        dispatcher.events.put(Event(call_id, "failed", "busy", "SIP 486 Busy Here", said))
        assert dispatcher.apply_events() == 1
    finally:
        dispatcher.close()
    db.session.expire_all()
    call = db.session.get(Call, call_id)
    assert (call.status, call.failure_reason) == ("failed", "busy")
    assert [(e.kind, e.at, e.detail) for e in call.events][-1] == ("failed", said, "busy: SIP 486 Busy Here")


def test_the_driver_is_told_of_the_ring_at_the_moment_the_call_rang(service):
    call = start_call(service, PHONE, now=T0)
    run_once(now=T0)
    db.session.expire_all()
    rang = [e.at for e in db.session.get(Call, call.id).events if e.kind == "ringing"]
    shown = db.session.scalars(select(SimInboxEntry.at).where(SimInboxEntry.call_id == call.id)).all()
    assert len(rang) == 1 and shown == rang  # the virtual phone shows the call when it rang


def test_closing_cancels_each_ringing_call_by_its_id(service):
    dispatcher, call_id = _claimed(service, T0)
    driver = dispatcher.inflight[call_id]
    canceled, real = [], driver.cancel

    def cancel(which):
        canceled.append(which)
        return real(which)
    driver.cancel = cancel
    dispatcher.close()
    assert canceled == [call_id] and dispatcher.inflight == {}
