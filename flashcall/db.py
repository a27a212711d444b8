"""Database plumbing in one place: the Flask-SQLAlchemy session, the dialect check, the
commit-or-rollback unit of work, and SQLite's tuning for several processes on one file."""
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase
from flask_sqlalchemy import SQLAlchemy


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def on_postgresql():
    """Whether the session's database is PostgreSQL (else SQLite), for the few statements that differ."""
    return db.session.get_bind().dialect.name == "postgresql"


def commit_or_rollback(work, keep_loaded=False):
    """Run work() and commit; roll back on any error. With keep_loaded, objects keep what was just
    written (no expiry on this commit), so answering with them does not read back the rows."""
    session = db.session()
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


READ_ONLY = "flashcall_read_only"


def reading():
    """A connection of its own for a long read that writes nothing (a report export): on SQLite its
    transaction takes no write lock, so callers keep writing while it reads its snapshot (WAL)."""
    return db.engine.connect().execution_options(**{READ_ONLY: True})


def configure_sqlite(engine):
    """SQLite shared by several processes: WAL, busy timeout, serialised writers.

    Every transaction starts with BEGIN IMMEDIATE, so two processes never both read a limit
    and then both write past it: the second waits (busy timeout) until the first commits.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")
