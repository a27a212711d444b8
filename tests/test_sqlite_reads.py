"""SQLite: a request that only reads never waits for the write lock; one that writes still takes it."""
import sqlite3

import pytest
import sqlalchemy.exc

from flashcall.db import db
from flashcall.verification import start_call


@pytest.fixture
def hold_write_lock(app):
    """hold_write_lock() puts another process's writer in the middle of a transaction."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
        path = db.engine.url.database
    holders = []

    def hold():
        db.session.close()  # this test's own session holds nothing
        other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        other.execute("BEGIN IMMEDIATE")
        holders.append(other)
    yield hold
    for other in holders:
        other.execute("ROLLBACK")
        other.close()


def test_reading_pages_and_the_api_while_another_process_writes(client, make, hold_write_lock):
    service = make.service()
    _key, token = make.key(service)
    call_id = start_call(service, "+989121234567").id
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/calls/{call_id}", headers=headers).status_code == 200  # records the key's use
    hold_write_lock()
    response = client.get(f"/api/v1/calls/{call_id}", headers=headers)
    assert response.status_code == 200 and response.get_json()["id"] == call_id
    assert client.get("/api/v1/balance", headers=headers).status_code == 200


def test_a_write_still_waits_for_the_lock(app, make, hold_write_lock):
    service_id = make.service().id
    hold_write_lock()
    with db.engine.connect() as conn:
        conn.connection.dbapi_connection.execute("PRAGMA busy_timeout = 100")  # fail fast, not after 30 s
        with pytest.raises(sqlalchemy.exc.OperationalError, match="locked"):
            with conn.begin():
                conn.exec_driver_sql("UPDATE service SET name = 'x' WHERE id = ?", (service_id,))
