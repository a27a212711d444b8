"""GET and HEAD requests read on SQLite without its write lock (a write inside one still serialises:
see flashcall.db.reading and commit_or_rollback)."""
from flask import g, request

from ..db import begin_reading, end_reading

READ_METHODS = ("GET", "HEAD")


def _begin():
    if request.method in READ_METHODS:
        g.flashcall_reading = begin_reading()


def _end(_exc=None):
    token = g.pop("flashcall_reading", None)
    if token is not None:
        end_reading(token)


def register(app):
    app.before_request(_begin)
    app.teardown_request(_end)
