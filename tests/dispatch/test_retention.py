"""Retention: the worker's purge and `flask --app app purge` remove only what is old, in batches."""
from datetime import date, timedelta

from flashcall.billing import credit
from flashcall.db import db
from flashcall.dispatch import retention
from flashcall.models import (Call, CallEvent, CallTally, IdempotencyRecord, LedgerEntry, SimInboxEntry,
                              TalliedDay, WebhookDelivery)
from flashcall.verification import start_call
from tests.worker import run_once

from ..verification.conftest import PHONE, T0, ctx  # noqa: F401

DAY = timedelta(days=1)


def _old_and_new(service):
    """One of each purgeable row at T0 (old) and at T0 + 40 days (new)."""
    for at in (T0, T0 + 40 * DAY):
        db.session.add_all([
            IdempotencyRecord(service_id=service.id, key=f"k-{at:%j}", request_hash="x", created_at=at),
            SimInboxEntry(phone=PHONE, caller_number="+982191012345", at=at),
            WebhookDelivery(service_id=service.id, event="delivered", payload="{}", status="delivered", created_at=at),
        ])
    db.session.add(WebhookDelivery(service_id=service.id, event="delivered", payload="{}", status="pending",
                                   created_at=T0))  # still being retried: kept
    db.session.commit()


def test_the_worker_purges_what_has_expired_and_keeps_the_rest(ctx, make):
    service = make.service()
    _old_and_new(service)
    deleted = retention.purge_expired(T0 + 41 * DAY, webhook_keep=30 * DAY)
    assert deleted == 3
    assert db.session.query(IdempotencyRecord).count() == 1
    assert db.session.query(SimInboxEntry).count() == 1
    assert sorted(d.status for d in db.session.query(WebhookDelivery)) == ["delivered", "pending"]


def test_purge_works_in_batches(ctx, make, monkeypatch):
    service = make.service()
    monkeypatch.setattr(retention, "BATCH", 3)
    db.session.add_all([SimInboxEntry(phone=PHONE, caller_number="+982191012345", at=T0) for _ in range(10)])
    db.session.commit()
    assert retention.purge_expired(T0 + 2 * DAY, webhook_keep=30 * DAY) == 10
    assert db.session.query(SimInboxEntry).count() == 0 and service.id


def test_purge_before_with_calls_keeps_the_ledger(ctx, make, runner):
    service = make.service(price_per_call=1_000, min_interval_seconds=0)
    credit(service, 5_000, "topup", T0)
    db.session.commit()
    old = start_call(service, PHONE, now=T0)
    run_once(now=T0)
    run_once(now=T0 + timedelta(minutes=10))  # expired: ended
    recent = start_call(service, "+989121234568", now=T0 + 40 * DAY)
    old_id, recent_id = old.id, recent.id
    result = runner.invoke(args=["purge", "--before", "2024-06-01", "--calls"])
    assert result.exit_code == 0 and "calls\t1" in result.output
    db.session.expire_all()
    assert db.session.get(Call, old_id) is None and db.session.get(Call, recent_id) is not None
    assert db.session.query(CallEvent).filter_by(call_id=old_id).count() == 0
    charge = db.session.query(LedgerEntry).filter_by(kind="charge").one()
    assert charge.call_id is None and charge.note == f"call {old_id}" and charge.amount == -1_000


def test_purging_calls_forgets_the_day_tallies_that_counted_them(ctx, make, runner):
    service = make.service()
    for day in (date(2024, 5, 1), date(2024, 7, 1)):
        db.session.add(CallTally(service_id=service.id, day=day, status="verified", answered=False, calls=3, cost=0))
        db.session.add(TalliedDay(account_id=service.account_id, day=day))
    db.session.commit()
    assert runner.invoke(args=["purge", "--before", "2024-06-01"]).exit_code == 0
    assert db.session.query(CallTally).count() == 2  # calls kept: so are their tallies
    assert runner.invoke(args=["purge", "--before", "2024-06-01", "--calls"]).exit_code == 0
    db.session.expire_all()
    assert [t.day for t in db.session.query(CallTally)] == [date(2024, 7, 1)]
    assert [t.day for t in db.session.query(TalliedDay)] == [date(2024, 7, 1)]


def test_purge_takes_a_jalali_date_and_refuses_nonsense(ctx, make, runner):
    assert runner.invoke(args=["purge", "--before", "۱۴۰۳/۰۳/۱۱"]).exit_code == 0
    refused = runner.invoke(args=["purge", "--before", "yesterday"])
    assert refused.exit_code != 0 and "not a date" in refused.output
