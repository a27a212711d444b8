"""A database that cannot answer (locked past the busy timeout, a full disk, a server away) gives
503 with Retry-After: JSON on the API, the compatible endpoint's own shape there, a page elsewhere."""
import sqlite3

import pytest
from sqlalchemy import event

from flashcall.config import Config
from flashcall.db import db
from tests.api.conftest import ApiClient
from tests.services.test_services import VALID
from tests.conftest import PG_URL


def test_the_busy_timeout_is_below_gunicorns_worker_timeout():
    """The audit: at 30 s (gunicorn's timeout) the worker was killed and answered an HTML 500."""
    assert Config.SQLITE_BUSY_TIMEOUT_SECONDS < 30


@pytest.fixture
def app_config():
    return {"SQLITE_BUSY_TIMEOUT_SECONDS": 0.2, "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def lock(app, tmp_path):
    """lock(): from now on another process holds SQLite's write lock, until the test ends."""
    if PG_URL:
        pytest.skip("SQLite's write lock")
    holder = sqlite3.connect(str(tmp_path / "test.db"), isolation_level=None)

    def hold():
        db.session.commit()  # the test's own session lets go first
        holder.execute("BEGIN IMMEDIATE")
    yield hold
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


def test_api_under_a_held_lock_answers_503_json_with_retry_after(client, make, lock):
    api_key = make.key(make.service())[1]
    lock()
    response = ApiClient(client, api_key).post("/calls", json={"phone": "09121234567"})
    assert response.status_code == 503 and response.is_json
    assert response.get_json()["code"] == "temporarily_unavailable" and response.headers["Retry-After"] == "5"


def test_compat_under_a_held_lock_keeps_its_shape(client, make, lock):
    token = make.key(make.service())[1]
    lock()
    app_id, _, secret = token.partition(".")
    response = client.post("/telphin/", json={"app_id": app_id, "app_secret": secret, "number": "09121234567"})
    assert response.status_code == 200 and response.headers["Retry-After"] == "5"
    assert response.get_data(as_text=True) == '{"status":"error","description":"service_is_not_connected"}'


def test_a_page_under_a_held_lock_is_a_503_page(client, make, login, lock):
    """Reading pages still answer (a GET reads outside the write lock); a form that writes gets the page."""
    login(make.account())
    lock()
    assert client.get("/services/").status_code == 200
    response = client.post("/services/new", data=dict(VALID, name="پیامک"))
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "5" and "۵۰۳" in response.get_data(as_text=True)


def test_a_full_disk_answers_503(app, client, make):
    """What the driver raises when the disk is full, on any write."""
    api_key = make.key(make.service())[1]
    full = db.engine.dialect.dbapi.OperationalError("database or disk is full")

    def refuse_writes(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH")):
            raise full

    event.listen(db.engine, "before_cursor_execute", refuse_writes)
    try:
        response = ApiClient(client, api_key).post("/calls", json={"phone": "09121234567"})
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse_writes)
    assert response.status_code == 503 and response.get_json()["code"] == "temporarily_unavailable"


def test_an_unreachable_database_answers_503_json(make, tmp_path):
    from flashcall.factory import create_app
    url = "postgresql+psycopg://postgres@127.0.0.1:1/nothing" if PG_URL else f"sqlite:///{tmp_path}/no/such/dir/x.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url,
                      "PROPAGATE_EXCEPTIONS": False, "RATELIMIT_STORAGE_URI": "memory://"})
    response = app.test_client().get("/api/v1/balance", headers={"Authorization": "Bearer fc_x.y"})
    assert response.status_code == 503 and response.get_json()["code"] == "temporarily_unavailable"
    assert response.headers["Retry-After"] == "5"
