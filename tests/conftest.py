"""flaskr-style fixtures: app (fresh database per test), client, runner, login; factories in factories.py.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
"""
import os
import shutil
import threading
from contextlib import contextmanager

import pytest
from flask import g, request_started
from sqlalchemy import text
from werkzeug.routing.rules import Rule
from werkzeug.serving import make_server

from flashcall.factory import create_app
from flashcall.db import db

from .factories import Factory
from .live.stack import ScratchPostgres


def _worker_database():
    """Under pytest-xdist (`make test` runs the suite in several processes), each worker process gets a
    database of its own on the server of TEST_DATABASE_URL, made afresh here, and TEST_DATABASE_URL is
    pointed at it before anything reads it: the workers truncate and rebuild without meeting."""
    url, worker = os.environ.get("TEST_DATABASE_URL"), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return None
    scratch = ScratchPostgres(url, suffix=worker)
    os.environ["TEST_DATABASE_URL"] = scratch.url
    return scratch


_WORKER_DATABASE = _worker_database()


def pytest_unconfigure(config):
    """The worker's own database goes when the worker ends."""
    if _WORKER_DATABASE:
        _WORKER_DATABASE.drop()


PG_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct-horse-42"


def _pg_url(url):
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@pytest.fixture(scope="session")
def _pg_schema():
    """On PostgreSQL, build the schema once per session; tests then truncate."""
    if not PG_URL:
        yield None
        return
    app = create_app({"SQLALCHEMY_DATABASE_URI": _pg_url(PG_URL), "SECRET_KEY": "test"})
    with app.app_context():
        with db.engine.begin() as conn:  # whatever an older schema left behind goes too
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
    yield app


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """On SQLite, the schema built once per session; each test starts from a copy of the file
    (building it costs more than a small test's own work)."""
    if PG_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "schema.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()  # the last connection closed: the WAL is folded into the file
    return path


_original_compile_builder = Rule._compile_builder
_builders = {}


def _reused_builder(self, append_unknown=True):
    """werkzeug compiles each URL rule's builder (ast, then compile()) for every app, and the suite
    makes an app per test: a builder made for the same rule is reused. It is pure in what makes the
    key; the rule's own converters are reached through `self` when it is called."""
    key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
    if key not in _builders:
        _builders[key] = _original_compile_builder(self, append_unknown)
    return _builders[key]


Rule._compile_builder = _reused_builder


def _truncate_all():
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app_config(tmp_path):
    """Overridable by a test module to change configuration."""
    return {}


@pytest.fixture
def app(tmp_path, _pg_schema, _sqlite_template, app_config):
    url = _pg_url(PG_URL) if PG_URL else f"sqlite:///{tmp_path / 'test.db'}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SIM_RING_DELAY": 0,
        "SIM_RING_SECONDS": 0,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(app_config)
    app = create_app(config)
    request_started.connect(_forget_request_caches, app, weak=False)
    with app.app_context():
        if PG_URL:
            _truncate_all()
        elif str(db.engine.url) == url and not os.path.exists(tmp_path / "test.db"):
            shutil.copyfile(_sqlite_template, tmp_path / "test.db")
        else:
            db.create_all()
        from flashcall.telephony.routing import ensure_default_gateway
        ensure_default_gateway()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _forget_request_caches(sender, **extra):
    """`make` keeps one app context (so one `g`) open for a whole test, and Flask reuses it for
    each request; drop what Flask-Login and Flask-Babel cache there, as a real request starts clean."""
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Small factories: make.account(), make.service(account), make.key(service) …"""
    with app.app_context():
        yield Factory()


@pytest.fixture
def login(client):
    def _login(user_or_email, password=PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = client.post("/auth/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response
    return _login


@contextmanager
def served(app):
    """`app` over real HTTP on a free loopback port (threaded werkzeug server); yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="live-web")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def live_url(app):
    with served(app) as url:
        yield url
