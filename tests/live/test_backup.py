"""Backups: `flask backup` takes a consistent, private copy of the SQLite database while the web
and the dispatcher are under load, and `flask restore` brings it back into another install."""
import os
import sqlite3
import stat
import threading
import time

import pytest
import requests

from tests.waiting import eventually

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="PostgreSQL is backed up with pg_dump (see test_cli)")

LOAD_SECONDS = 20  # the load stops by itself after this long, or when told to
LOAD_REQUESTS = 400


def _load(stack, key, stop, counts):
    """Calls to ever new numbers, one after another, until stopped or bounded."""
    deadline = time.monotonic() + LOAD_SECONDS
    n = 0
    while not stop.is_set() and time.monotonic() < deadline and n < LOAD_REQUESTS:
        phone = f"0912{1000000 + n:07d}"
        response = requests.post(f"{stack.base_url}/api/v1/calls", json={"phone": phone},
                                 headers={"Authorization": f"Bearer {key}"}, timeout=30)
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
        n += 1


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _rows(path, sql):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_backup_under_load_then_restore(stack_factory, tmp_path):
    stack = stack_factory()
    live_db = stack.tmp / "flashcall.db"
    assert _mode(live_db) == 0o600 and _mode(stack.tmp) == 0o700
    key = stack.new_key()
    stop, counts = threading.Event(), {}
    loader = threading.Thread(target=_load, args=(stack, key, stop, counts), daemon=True)
    loader.start()
    eventually(lambda: counts.get(201, 0) >= 20, timeout=60, interval=0.1, message="twenty calls placed under load")
    backup = tmp_path / "flashcall-backup.db"
    try:
        output = stack.flask("backup", str(backup))  # while calls are being written and dialled
        time.sleep(0.5)
    finally:
        stop.set()
        loader.join(timeout=60)
    assert "backed up" in output and counts.get(201, 0) >= 20 and set(counts) == {201}, counts

    assert _mode(backup) == 0o600
    assert _rows(backup, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(backup, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    calls = _rows(backup, "SELECT COUNT(*) FROM call")[0][0]
    assert 0 < calls <= _rows(live_db, "SELECT COUNT(*) FROM call")[0][0]
    # A snapshot, not a torn copy: every call in it has the event written in its transaction.
    assert _rows(backup, "SELECT COUNT(*) FROM call WHERE id NOT IN "
                         "(SELECT call_id FROM call_event WHERE kind = 'queued')") == [(0,)]

    restored = tmp_path / "restored.db"
    other = {"DATABASE_URL": f"sqlite:///{restored}"}
    stack.env, live_env = {**stack.env, **other}, stack.env
    try:
        with pytest.raises(RuntimeError, match="--yes"):
            stack.flask("restore", str(backup))
        assert "restored" in stack.flask("restore", str(backup), "--yes")
        assert "admin@example.com" in stack.flask("account", "list")
    finally:
        stack.env = live_env
    assert _rows(restored, "SELECT COUNT(*) FROM call")[0][0] == calls
    assert _mode(restored) == 0o600
    with pytest.raises(RuntimeError, match="exists already"):
        stack.flask("backup", str(backup))
