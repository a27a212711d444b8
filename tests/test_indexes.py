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
