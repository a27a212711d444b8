"""Password reset by one-time link: issued by an operator (no mail server), or sent by email when
SMTP is configured."""
import email
import email.policy
import re
import socketserver
import threading
import time
from datetime import timedelta

import pytest

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import PasswordReset
from tests.waiting import eventually

from ..conftest import PASSWORD

NEW = {"new_password": "brand-new-pass", "confirm": "brand-new-pass"}


def _link(page):
    return re.search(r'id="reset-link"[^>]*>([^<]+)<', page).group(1)


def test_an_operator_issues_a_one_time_link(app, client, make, login):
    operator, user = make.account(operator=True), make.account()
    login(operator)
    page = client.post("/auth/reset-links", data={"email": user.email})
    assert page.headers["Cache-Control"] == "no-store"
    path = _link(page.get_data(as_text=True)).split("localhost", 1)[1]
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    assert visitor.post(path, data=NEW).status_code == 302
    assert visitor.post(path, data=NEW).status_code == 404  # once only
    assert visitor.post("/auth/login", data={"email": user.email, "password": "brand-new-pass"}).status_code == 302
    assert db.session.scalar(db.select(PasswordReset.token_hash)) not in path  # only the hash is stored


def test_a_newer_link_or_expiry_kills_the_old_one(app, client, make, login):
    operator, user = make.account(operator=True), make.account()
    login(operator)
    old = _link(client.post("/auth/reset-links", data={"email": user.email}).get_data(as_text=True))
    new = _link(client.post("/auth/reset-links", data={"email": user.email}).get_data(as_text=True))
    visitor = app.test_client()
    assert visitor.get(old.split("localhost", 1)[1]).status_code == 404
    for reset in db.session.scalars(db.select(PasswordReset)):
        reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert visitor.get(new.split("localhost", 1)[1]).status_code == 404


def test_customers_cannot_issue_links(client, make, login):
    login(make.account())
    assert client.get("/auth/reset-links").status_code == 404


def test_without_a_mail_server_the_page_says_to_ask_an_operator(client):
    page = client.get("/auth/forgot").get_data(as_text=True)
    assert "<form" not in page.split("<main", 1)[1]


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP on 127.0.0.1 to receive one message."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages = []
        super().__init__(("127.0.0.1", 0), SmtpHandler)


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 sink\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go\r\n")
                body = b""
                while not body.endswith(b"\r\n.\r\n"):
                    body += self.rfile.readline()
                self.server.messages.append(body.decode("utf-8", "replace"))
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp():
    server = SmtpSink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class TestByEmail:
    @pytest.fixture
    def app_config(self, smtp):
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.server_address[1], "SMTP_STARTTLS": False,
                "BASE_URL": "https://flashcall.example"}

    def test_the_link_arrives_by_email_and_uses_the_configured_address(self, app, client, make, smtp):
        user = make.account()
        response = client.post("/auth/forgot", data={"email": user.email},
                               headers={"Host": "evil.example"})  # a forged Host must not reach the link
        assert response.status_code == 200
        eventually(lambda: smtp.messages, timeout=30, message="the reset email")
        [raw] = smtp.messages
        message = email.message_from_string(raw.replace("\r\n.\r\n", "\r\n"), policy=email.policy.default)
        text = message.get_content()
        link = re.search(r"https://flashcall\.example/auth/reset/[A-Za-z0-9_\-]+", text)
        assert link and "evil.example" not in text and "رمز عبور" in text  # in Persian
        path = link.group(0)[len("https://flashcall.example"):]
        assert client.post(path, data=NEW).status_code == 302

    def test_an_unknown_email_gets_the_same_answer_and_no_mail(self, client, smtp):
        page = client.post("/auth/forgot", data={"email": "nobody@example.com"}).get_data(as_text=True)
        assert "alert-success" in page
        time.sleep(0.3)
        assert smtp.messages == []
