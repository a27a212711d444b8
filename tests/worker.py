"""Running the worker from tests with the test app's settings (read when called, so a test that
changes app.config first sees its change)."""
from flask import current_app

from flashcall import worker
from flashcall.settings import Settings


def settings():
    return Settings.from_config(current_app.config)


def run_once(now=None, worker_id="run-once"):
    return worker.run_once(now=now, worker_id=worker_id, settings=settings())


def run(app, worker_id=None, stop=None):
    return worker.run(app, worker_id, stop, Settings.from_config(app.config))
