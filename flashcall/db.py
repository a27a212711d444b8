"""Database plumbing in one place: the Flask-SQLAlchemy session, the dialect check, the
commit-or-rollback unit of work, objects entered as loaded, and SQLite's tuning for several
processes on one file."""
import os
from contextlib import contextmanager
from contextvars import ContextVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event, inspect
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def loaded(model, values, **related):
    """An instance of `model` holding `values` (and `related` objects) as if just read from the database:
    detached, nothing to write. Without the constructor's attribute events, which on the API's hot path
    cost more than the statement that writes the row."""
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    for name, value in related.items():
        set_committed_value(instance, name, value)
    make_transient_to_detached(instance)
    return instance


def enter(*instances):
    """Put objects made by `loaded` into this session as persistent, each on its own: what `add` does
    for them, without following their relationships to find more (the caller names every one). On the
    API's hot path that walk cost more than the statement that read or wrote the rows.
    Session._update_impl is the step `add` takes for each object it finds (private: SQLAlchemy is pinned,
    and every API test goes through here)."""
    session = db.session()
    for instance in instances:
        session._update_impl(inspect(instance))


def written(instances):
    """Record `instances` (in this session) as written by our own Core statements: what a flush does
    once its statements ran. Pending ones (their primary keys set) become persistent, changed ones
    clean; both are noted in the transaction, so a rollback expunges or expires them as after a flush.
    Session._register_persistent is SQLAlchemy's own step for this (private: SQLAlchemy is pinned, and
    every verification's test goes through here); the public way, expunge and add back, cost as much
    as the statements."""
    db.session()._register_persistent({inspect(instance) for instance in instances})


def on_postgresql():
    """Whether the session's database is PostgreSQL (else SQLite), for the few statements that differ."""
    return db.session.get_bind().dialect.name == "postgresql"


# SQLite: whether transactions begin IMMEDIATE (taking the write lock at once, so writers serialise)
# or deferred (readers never wait for writers, and never block them). Writers by default; a request
# that only reads (GET, HEAD) sets it off with `reading()`, and a write inside such a request goes
# through commit_or_rollback, which ends the read first and writes in an IMMEDIATE transaction.
_immediate = ContextVar("flashcall_sqlite_immediate", default=True)


def begin_reading():
    """From now on (in this context) transactions begin deferred on SQLite; returns a token for end_reading."""
    return _immediate.set(False)


def end_reading(token):
    _immediate.reset(token)


@contextmanager
def reading():
    """Transactions begun inside begin deferred on SQLite (no write lock); nothing on PostgreSQL."""
    token = begin_reading()
    try:
        yield
    finally:
        end_reading(token)


def _writing(session):
    """On SQLite inside `reading()`: end the read transaction, so the write begins IMMEDIATE.
    Returns the token to restore the reading mode with, or None."""
    if _immediate.get() or session.get_bind().dialect.name != "sqlite":
        return None
    if session.in_transaction():
        session.commit()  # a read: nothing to write, only the snapshot ends
    return _immediate.set(True)


def commit_or_rollback(work, keep_loaded=False):
    """Run work() and commit; roll back on any error. With keep_loaded, objects keep what was just
    written (no expiry on this commit), so answering with them does not read back the rows."""
    session = db.session()
    token = _writing(session)
    try:
        result = work()
        expire = session.expire_on_commit
        session.expire_on_commit = expire and not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
        return result
    except BaseException:
        session.rollback()
        raise
    finally:
        if token is not None:
            _immediate.reset(token)


def create_private_file(path):
    """Create `path` readable by its owner only (0600) if it does not exist yet."""
    if path and not os.path.exists(path) and os.path.isdir(os.path.dirname(os.path.abspath(path))):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


READ_ONLY = "flashcall_read_only"


def read_connection():
    """A connection of its own for a long read that writes nothing (a report export): on SQLite its
    transaction takes no write lock, so callers keep writing while it reads its snapshot (WAL)."""
    return db.engine.connect().execution_options(**{READ_ONLY: True})


def configure_sqlite(engine, busy_timeout_seconds=10.0):
    """SQLite shared by several processes: WAL, busy timeout, serialised writers, a private file.

    A writing transaction starts with BEGIN IMMEDIATE, so two processes never both read a limit
    and then both write past it: the second waits (busy timeout) until the first commits.
    The file is created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
    Reading transactions (`reading()`, `read_connection()`) begin deferred and never take the write lock.
    """
    if engine.dialect.name != "sqlite":
        return
    create_private_file(engine.url.database if engine.url.database not in (None, "", ":memory:") else None)
    busy_ms = int(busy_timeout_seconds * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) or not _immediate.get()
                             else "BEGIN IMMEDIATE")
