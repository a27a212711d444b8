"""A real HTTP receiver on 127.0.0.1 for webhook tests, and a call row to hang events on."""
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Call


class Receiver:
    """Records every request; answers with the next status in `script` (then 200s), after `delay`.
    While `answering` is cleared it holds every request unanswered (a hanging receiver), for at most a minute."""

    def __init__(self):
        self.requests, self.script, self.delay, self.location = [], [], 0.0, None
        self.answering = threading.Event()
        self.answering.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                receiver.answering.wait(timeout=60)
                time.sleep(receiver.delay)
                status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                if receiver.location and 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                self.end_headers()
                self.wfile.write(b"nope" if status >= 300 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver():
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.answering.set()
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def hooked_service(make, receiver):
    return make.service(webhook_url=receiver.url)


def make_call(service, status="delivered"):
    now = utcnow()
    call = Call(service_id=service.id, phone="+989121234567", caller_number="+982191000123",
                code_length=4, status=status, expires_at=now + timedelta(minutes=2), dialed_at=now)
    db.session.add(call)
    db.session.commit()
    return call
