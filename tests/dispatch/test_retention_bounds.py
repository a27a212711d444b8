"""Retention's bounds: what exactly `purge` removes (only ended calls, only rows strictly older than the
moment, never a pending webhook), what it reports per table, and that the worker's purge stops at its limit."""
import itertools
from datetime import date, datetime, timedelta

from sqlalchemy import event

from flashcall.db import db
from flashcall.dispatch import retention
from flashcall.models import Call, CallTally, IdempotencyRecord, SimInboxEntry, TalliedDay, WebhookDelivery
from flashcall.verification import start_call

from ..verification.conftest import T0, ctx  # noqa: F401

DAY = timedelta(days=1)
_keys = itertools.count(1)
MOMENT = datetime(2024, 6, 1, 0, 0, 0)  # 03:30 on 1 June in Tehran


def _phone(n):
    return f"+9891200{n:05d}"


def _calls(service, at, statuses):
    made = []
    for status in statuses:
        call = start_call(service, _phone(len(made) + 100 * at.day), now=at)
        call.status = status
        made.append(call.id)
    db.session.commit()
    return made


def _remaining_calls():
    db.session.expire_all()
    return sorted(status for status, in db.session.query(Call.status))


def _each_table_at(service, at, webhook_status="delivered"):
    db.session.add_all([
        IdempotencyRecord(service_id=service.id, key=f"k-{next(_keys)}", request_hash="x", created_at=at),
        SimInboxEntry(phone="+989121234567", caller_number="+982191012345", at=at),
        WebhookDelivery(service_id=service.id, event="delivered", payload="{}", status=webhook_status,
                        created_at=at),
    ])
    db.session.commit()


def test_purge_reports_each_table_and_keeps_calls_unless_asked(ctx, make):
    service = make.service(min_interval_seconds=0, daily_limit=100)
    _each_table_at(service, MOMENT - DAY)
    _each_table_at(service, MOMENT - DAY)
    _each_table_at(service, MOMENT - DAY, webhook_status="failed")  # given up: purged like a delivered one
    _calls(service, MOMENT - DAY, ["verified"])
    counts = retention.purge_before(MOMENT)
    assert counts == {"idempotency_records": 3, "sim_inbox_entries": 3, "webhook_deliveries": 3}
    assert _remaining_calls() == ["verified"]  # calls only with calls=True


def test_purge_keeps_rows_of_the_very_moment_and_pending_webhooks(ctx, make):
    service = make.service()
    _each_table_at(service, MOMENT)  # not older than the moment: kept
    _each_table_at(service, MOMENT - DAY, webhook_status="pending")  # old but still being retried: kept
    counts = retention.purge_before(MOMENT)
    assert counts == {"idempotency_records": 1, "sim_inbox_entries": 1, "webhook_deliveries": 0}
    assert db.session.query(IdempotencyRecord).count() == 1
    assert [e.at for e in db.session.query(SimInboxEntry)] == [MOMENT]
    assert sorted((d.status, d.created_at) for d in db.session.query(WebhookDelivery)) == [
        ("delivered", MOMENT), ("pending", MOMENT - DAY)]


def test_purging_calls_removes_every_ended_call_before_the_moment_and_nothing_else(ctx, make):
    service = make.service(min_interval_seconds=0, daily_limit=100)
    _calls(service, MOMENT - DAY, ["verified", "failed", "expired", "canceled", "queued", "delivered"])
    _calls(service, MOMENT, ["verified"])  # created at the very moment: kept
    _calls(service, MOMENT + DAY, ["failed"])  # ended, but recent: kept
    counts = retention.purge_before(MOMENT, calls=True)
    assert counts["calls"] == 4
    assert _remaining_calls() == ["delivered", "failed", "queued", "verified"]


def test_a_retry_of_a_purged_call_stays_and_forgets_what_it_retried(ctx, make):
    service = make.service(min_interval_seconds=0, daily_limit=100)
    old_id, = _calls(service, MOMENT - DAY, ["failed"])
    retry_id, = _calls(service, MOMENT + DAY, ["queued"])
    db.session.get(Call, retry_id).retry_of = old_id
    db.session.commit()
    assert retention.purge_before(MOMENT, calls=True)["calls"] == 1
    db.session.expire_all()
    assert db.session.get(Call, old_id) is None
    assert db.session.get(Call, retry_id).retry_of is None


def test_calls_are_purged_in_batches_and_all_counted(ctx, make, monkeypatch):
    service = make.service(min_interval_seconds=0, daily_limit=100)
    monkeypatch.setattr(retention, "BATCH", 2)
    _calls(service, MOMENT - DAY, ["verified"] * 5)
    deletes = []

    def seen(conn, cursor, statement, *rest):
        if " ".join(statement.split()).upper().startswith("DELETE FROM CALL "):
            deletes.append(statement)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        counts = retention.purge_before(MOMENT, calls=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert counts["calls"] == 5
    assert len(deletes) == 3  # 2 + 2 + 1: no statement removes more than a batch
    assert _remaining_calls() == []


def test_purging_calls_forgets_the_tallies_of_the_moments_own_day(ctx, make):
    service = make.service()
    for day in (date(2024, 5, 31), date(2024, 6, 1), date(2024, 6, 2)):
        db.session.add(CallTally(service_id=service.id, day=day, status="verified", answered=False, calls=3, cost=0))
        db.session.add(TalliedDay(account_id=service.account_id, day=day))
    db.session.commit()
    retention.purge_before(MOMENT, calls=True)  # 1 June's calls before 03:30 are gone: its tally is stale
    db.session.expire_all()
    assert [t.day for t in db.session.query(CallTally)] == [date(2024, 6, 2)]
    assert [t.day for t in db.session.query(TalliedDay)] == [date(2024, 6, 2)]


def test_the_worker_purge_stops_at_its_limit_per_table(ctx, make, monkeypatch):
    service = make.service()
    monkeypatch.setattr(retention, "BATCH", 2)
    for _ in range(5):
        _each_table_at(service, T0)
    now = T0 + 40 * DAY
    assert retention.purge_expired(now, webhook_keep=30 * DAY, limit=2) == 6  # 2 of each of the three tables
    assert [db.session.query(m).count() for m in (IdempotencyRecord, SimInboxEntry, WebhookDelivery)] == [3, 3, 3]
    assert retention.purge_expired(now, webhook_keep=30 * DAY, limit=3) == 9  # 2 + 2 ≥ 3: a whole batch more
    assert [db.session.query(m).count() for m in (IdempotencyRecord, SimInboxEntry, WebhookDelivery)] == [0, 0, 0]


def test_the_worker_keeps_webhook_deliveries_of_exactly_their_age(ctx, make):
    service = make.service()
    keep = 30 * DAY
    now = T0 + keep
    _each_table_at(service, T0)  # exactly `keep` old
    _each_table_at(service, T0 - timedelta(seconds=1))
    retention.purge_expired(now, webhook_keep=keep)
    assert [d.created_at for d in db.session.query(WebhookDelivery)] == [T0]
