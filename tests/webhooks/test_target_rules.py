"""The webhook target rules on their own: which message a refused URL gets, the session's defaults
(loopback refused, no proxy from the environment), and an answer's body left unread."""
import socket
import threading

import pytest
import requests
from ssrfguard import SSRFGuardError

from flashcall.db import db
from flashcall.webhooks import outbox, targets
from tests.worker import deliver_due

from .conftest import make_call

CREDENTIALS = "نشانی نباید نام کاربری یا رمز عبور داشته باشد."


@pytest.mark.parametrize("url", ["http://user:pw@example.com/", "http://user@example.com/hook",
                                 "http://:pw@example.com/"])
def test_a_user_name_or_a_password_in_the_url_is_refused_for_that(app, url):
    with pytest.raises(targets.TargetRefused) as refused:
        targets.check(url)
    with app.test_request_context("/"):
        assert str(refused.value.message) == CREDENTIALS
    assert str(refused.value) == "webhook target refused"  # what a log line shows, never the URL


def test_a_url_that_cannot_be_read_is_refused_as_unreachable_not_as_credentials(app):
    with pytest.raises(targets.TargetRefused) as refused:
        targets.check("http://[::1/hook")  # an unclosed IPv6 bracket: urlsplit raises ValueError
    with app.test_request_context("/"):
        assert "شبکه" in str(refused.value.message)


def test_the_session_refuses_loopback_unless_told():
    with pytest.raises(SSRFGuardError):
        targets.session().post("http://127.0.0.1:9/", timeout=2)
    with pytest.raises(requests.ConnectionError):  # let through, then nobody listens on port 9
        targets.session(allow_private=True).post("http://127.0.0.1:9/", timeout=2)


class _Listener:
    """A TCP listener that records connections; with `answer`, it sends those bytes and then holds the
    connection open without another byte."""

    def __init__(self, answer=None):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted, self.answer, self.open = [], answer, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn.recv(65536))
            if self.answer:
                conn.sendall(self.answer)
            self.open.append(conn)

    def close(self):
        for conn in self.open:
            conn.close()
        self.sock.close()


@pytest.fixture
def listener():
    made = []

    def make(answer=None):
        made.append(_Listener(answer))
        return made[-1]
    yield make
    for one in made:
        one.close()


def test_a_proxy_in_the_environment_is_not_used(make, receiver, listener, monkeypatch):
    """A proxy would resolve the receiver's name itself, past the address check."""
    proxy = listener()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
    delivery = outbox.enqueue(make_call(make.service(webhook_url=receiver.url)), "delivered")
    db.session.commit()
    assert deliver_due(allow_private=True, timeout=3) == 1
    db.session.refresh(delivery)
    assert len(receiver.requests) == 1 and proxy.accepted == []
    assert delivery.status == "delivered"


def test_the_answers_body_is_not_read(make, listener):
    """A receiver that answers 200 and then never finishes its body does not hold the delivery."""
    slow = listener(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nok")
    delivery = outbox.enqueue(make_call(make.service(webhook_url=f"http://127.0.0.1:{slow.port}/hook")), "delivered")
    db.session.commit()
    assert deliver_due(allow_private=True, timeout=3) == 1
    db.session.refresh(delivery)
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == ("delivered", 200, None)
