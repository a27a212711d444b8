"""Indexes the queries rely on, checked on the database the suite runs on (SQLite or PostgreSQL)."""
import pytest
from sqlalchemy import event, inspect

from flashcall.db import db
from flashcall.telephony.drivers import simulator

# Foreign keys of tables that grow with traffic: each leads an index (deleting or joining by them
# must not scan the table).
GROWING_FOREIGN_KEYS = [("call", "key_id"), ("call", "gateway_id"), ("call", "retry_of"), ("call", "service_id"),
                        ("call_event", "call_id"), ("sim_inbox_entry", "call_id"),
                        ("webhook_delivery", "call_id"), ("webhook_delivery", "service_id"),
                        ("ledger_entry", "service_id"), ("ledger_entry", "account_id"), ("ledger_entry", "call_id"),
                        ("ledger_entry", "payment_id")]


@pytest.mark.parametrize("table, column", GROWING_FOREIGN_KEYS)
def test_foreign_key_leads_an_index(app, table, column):
    with app.app_context():
        inspector = inspect(db.engine)
        leading = {index["column_names"][0] for index in inspector.get_indexes(table)}
        leading |= {unique["column_names"][0] for unique in inspector.get_unique_constraints(table)}
        assert column in leading, f"{table}.{column} leads no index"


def _captured(run):
    """The SQL statements (with their parameters) that run() sends."""
    seen = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return [item for item in seen if item[0].lstrip().upper().startswith("SELECT")]


def _plan(statement, parameters):
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    return "\n".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def test_inbox_phone_filter_uses_the_phone_index(app):
    """The operator's and test page's inbox filter matches the stored E.164 number exactly."""
    with app.app_context():
        [(statement, parameters)] = _captured(lambda: simulator.inbox("+989121234567", limit=100))
        plan = _plan(statement, parameters)
        assert "ix_sim_inbox_entry_phone" in plan, plan
        db.session.rollback()


# A call table of a million calls as the planner's statistics describe it (SQLite's sqlite_stat1):
# how many distinct values each column has. Five statuses (most calls final), one gateway, five
# services of four keys, 200,000 phones, a block of 10,000 caller numbers; times nearly unique.
MILLION = 1_000_000
DISTINCT = {"status": 5, "gateway_id": 1, "service_id": 5, "key_id": 20, "phone": 200_000, "caller_number": 10_000,
            "lease_expires_at": 1, "retry_of": 1}


def _as_if_a_million_calls(connection):
    """Give SQLite's planner the statistics of a million calls (as ANALYZE would write them)."""
    connection.exec_driver_sql("ANALYZE")  # creates sqlite_stat1
    connection.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'call'")
    for index in inspect(connection).get_indexes("call") + [{"name": "sqlite_autoindex_call_1",
                                                              "column_names": ["id"]}]:
        rows, stat = MILLION, [str(MILLION)]
        for column in index["column_names"]:
            rows = max(1, rows // DISTINCT.get(column, MILLION))
            stat.append(str(rows))
        connection.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('call', ?, ?)",
                                   (index["name"], " ".join(stat)))
    connection.exec_driver_sql("ANALYZE sqlite_schema")  # loads them


def test_expiry_and_the_ringing_numbers_look_up_search_an_index_on_a_large_table(app):
    """The worker's expiry pass (every second) and a new call's look-up of the caller numbers ringing on
    its gateway (every POST /calls) must not read the whole table: with a million calls' statistics,
    SQLite scanned it for both (a write lock held for the whole scan, each second)."""
    from datetime import timedelta

    from flashcall.clock import utcnow
    from flashcall.dispatch import maintenance
    from flashcall.verification import history

    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:
            _as_if_a_million_calls(db.session.connection())
            db.session.commit()
        now = utcnow()
        [(expiry, expiry_parameters)] = _captured(lambda: maintenance.expire_due(now))
        [(look_up, look_up_parameters)] = _captured(lambda: history.read(
            1, "+989121234567", now - timedelta(hours=5), 1, ["+982191001234", "+982191005678"]))
        plans = {"expiry": _plan(expiry, expiry_parameters), "look-up": _plan(look_up, look_up_parameters)}
        db.session.rollback()
    if sqlite:  # PostgreSQL's planner, on the suite's near-empty table, may take either index that fits
        assert "ix_call_status_expires" in plans["expiry"], plans["expiry"]
        assert "ix_call_gateway_pending" in plans["look-up"], plans["look-up"]
    for name, plan in plans.items():
        assert "SCAN call" not in plan and "Seq Scan on call" not in plan, (name, plan)
