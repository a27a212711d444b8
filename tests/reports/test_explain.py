"""Every filter combination is served by an index: EXPLAIN of each statement the reports run (a
page, a page after a cursor, the summary's count, the export, a day's tally, the overview's
failures) must show no full scan of the calls or their events, on SQLite and on PostgreSQL."""
import itertools
import json
from datetime import timedelta

import pytest

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call
from flashcall.reports import exports, overview, tallies
from flashcall.reports.filters import Criteria
from flashcall.reports.queries import newest_first, where_any

NOW = utcnow().replace(microsecond=0)
SCOPES = ["all services", "one service", "one key"]
STATUSES = [None, "failed"]
PHONES = [None, "+98912", "+989121234"]  # none, a broad prefix (walked), a narrow one (looked up)
DATES = [False, True]
COMBINATIONS = list(itertools.product(SCOPES, STATUSES, PHONES, DATES))


def _statements(criteria):
    keyset = (Call.created_at, Call.id)
    yield "page", newest_first(criteria, keyset, limit=51)
    yield "older page", newest_first(criteria, keyset, (NOW, "f" * 36), limit=51)
    yield "newer page", newest_first(criteria, keyset, (NOW - timedelta(days=1), "0"), newer=True, limit=51)
    yield "summary", tallies.counting(where_any(criteria))
    yield "export", newest_first(criteria, exports.SELECTED)


def _plan(statement):
    """The plan's lines: SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's nodes."""
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: seq scans would be cheapest
        raw = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), params).scalar()
        nodes, lines = [raw[0]["Plan"] if isinstance(raw, list) else json.loads(raw)[0]["Plan"]], []
        while nodes:
            node = nodes.pop()
            lines.append(f"{node['Node Type']} on {node.get('Relation Name', '')}".strip())
            nodes.extend(node.get("Plans", []))
        return lines
    positional = [params[name] for name in compiled.positiontup]
    return [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(positional))]


def _full_scans(lines):
    return [line for line in lines if line.startswith(("SCAN call", "Seq Scan on call"))]


@pytest.fixture
def criteria_for(shop, calls):
    calls.add(shop.store, shop.store_key, "verified", NOW)
    calls.add(shop.blog, shop.blog_key, "failed", NOW, reason="busy")

    def build(scope, status, phone, dates):
        narrower = {"service_ids": (shop.store.id, shop.blog.id)}
        if scope == "one service":
            narrower["service_ids"] = (shop.store.id,)
        elif scope == "one key":
            narrower["key_id"] = shop.store_key.id
        if dates:
            narrower.update(start=NOW - timedelta(days=7), end=NOW)
        return Criteria(account_id=shop.account.id, status=status, phone=phone, **narrower)
    return build


@pytest.mark.parametrize("scope, status, phone, dates", COMBINATIONS,
                         ids=["-".join(str(v) for v in c) for c in COMBINATIONS])
def test_no_full_scan_of_calls(app, criteria_for, scope, status, phone, dates):
    criteria = criteria_for(scope, status, phone, dates)
    for name, statement in _statements(criteria):
        lines = _plan(statement)
        assert not _full_scans(lines), f"{name} scans the calls table: {lines}"


def test_a_days_tally_and_the_overview_use_indexes(app, shop, criteria_for):
    services = (shop.store.id, shop.blog.id)
    day = tallies.day_conditions(NOW.date(), NOW.date())
    for statement in (tallies.counting([Call.service_id.in_(services), *day]),
                      overview.recent_failures(services, NOW)):
        lines = _plan(statement)
        assert not _full_scans(lines), lines


def test_the_check_sees_a_full_scan(app, criteria_for):
    """The control: a statement no index serves is caught."""
    # failure_reason is in no index (caller_number now is, third in ix_call_gateway_pending)
    assert _full_scans(_plan(db.select(Call.id).where(Call.failure_reason == "busy")))
