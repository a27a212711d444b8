"""A real Flashcall deployment in subprocesses: migrations, gunicorn workers, dispatchers.

Used by the concurrency and crash tests and by bench/. The database is a fresh SQLite file,
or a scratch PostgreSQL database on the server of TEST_DATABASE_URL when that is set.
"""
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScratchPostgres:
    """CREATE DATABASE on the server of `url`, DROP it afterwards. A random name by default; `suffix`
    names it after `url`'s own database instead (one left behind by a killed run is made afresh)."""

    def __init__(self, url, suffix=None):
        import psycopg
        self._psycopg = psycopg
        parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
        if suffix:
            self.name = f"{parts.path.lstrip('/') or 'postgres'}_{suffix}"
        else:
            self.name = "flashcall_live_" + secrets.token_hex(4)
        self.admin_url = urlunsplit(parts._replace(path="/postgres"))
        self.url = urlunsplit(parts._replace(path="/" + self.name))
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            if suffix:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self):
        with self._psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Stack:
    def __init__(self, workers=2, threads=4, dispatchers=1, env=None, pg_url=None, app_module="app:app"):
        self.tmp = Path(tempfile.mkdtemp(prefix="flashcall-live-"))
        self.pg = ScratchPostgres(pg_url) if pg_url else None
        self.db_url = self.pg.url if self.pg else f"sqlite:///{self.tmp / 'flashcall.db'}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers, self.threads, self.dispatcher_count = workers, threads, dispatchers
        self.app_module = app_module
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "FLASHCALL_INSTANCE": str(self.tmp),
            "SECRET_KEY": "live-stack-secret",
            "FLASHCALL_SIM_RING_DELAY": "0",
            "FLASHCALL_SIM_RING_SECONDS": "0",
            "FLASHCALL_API_RATE_LIMIT_PER_KEY": "1000000/minute",
            "FLASHCALL_API_RATE_LIMIT_PER_IP": "1000000/minute",
            "FLASHCALL_ADMIN_EMAIL": "admin@example.com",
            "FLASHCALL_ADMIN_PASSWORD": "live-stack-password",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.web = None
        self.dispatchers = []

    def flask(self, *args):
        """Run a `flask --app app …` command; returns its stdout (raises on failure)."""
        done = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout.strip()

    def start(self):
        self.flask("db", "upgrade")
        self.flask("admin", "ensure")
        log = open(self.tmp / "web.log", "w")
        self.web = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--threads", str(self.threads),
             "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", self.app_module],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for index in range(self.dispatcher_count):
            self.start_dispatcher(f"d{index + 1}")
        self._wait_ready()
        return self

    def start_dispatcher(self, name, env=None):
        log = open(self.tmp / f"dispatcher-{name}.log", "a")
        process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "dispatcher", "--worker-id", name],
            cwd=ROOT, env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.dispatchers.append(process)
        return process

    def _wait_ready(self, timeout=30):
        def answering():
            if self.web.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + (self.tmp / "web.log").read_text())
            return requests.get(self.base_url + "/auth/login", timeout=1).status_code == 200
        eventually(answering, timeout=timeout, interval=0.1, ignoring=requests.RequestException,
                   message=lambda: "the web server did not answer:\n" + (self.tmp / "web.log").read_text())

    def new_key(self, name="Live service", **options):
        """A service (CLI options such as code_length=4) and a key; returns 'PUBLICID.SECRET'."""
        args = ["service", "create", "--account-email", "admin@example.com", "--name", name]
        for option, value in options.items():
            args += [f"--{option.replace('_', '-')}", str(value)]
        service_id = self.flask(*args).splitlines()[-1]
        self.last_service_id = int(service_id)
        return self.flask("key", "create", "--service", service_id, "--label", "live").splitlines()[-1]

    def query(self, sql, params=()):
        """Rows of `sql` (with %s placeholders) on the stack's database, in a connection of its own."""
        if self.pg:
            import psycopg
            with psycopg.connect(self.pg.url, autocommit=True) as conn:
                cursor = conn.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        import sqlite3
        conn = sqlite3.connect(self.db_url.removeprefix("sqlite:///"), timeout=30, isolation_level=None)
        try:
            cursor = conn.execute(sql.replace("%s", "?"), params)
            return cursor.fetchall()
        finally:
            conn.close()

    @staticmethod
    def kill(process, sig=signal.SIGKILL):
        if process and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=10)

    def stop(self):
        for process in self.dispatchers:
            self.kill(process, signal.SIGTERM)
        self.kill(self.web, signal.SIGTERM)
        if self.pg:
            self.pg.drop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
