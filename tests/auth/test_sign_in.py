"""Sign-in: throttling per (email, address) with ceilings, the real client address behind a proxy,
no timing difference for unknown emails, cookie flags, CSRF on forms, open redirects."""
import pytest
from werkzeug import security as werkzeug_security

from flashcall.db import db
from flashcall.models import AuditEntry

from ..conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"LOGIN_MAX_FAILURES": 3, "LOGIN_MAX_FAILURES_PER_EMAIL": 5, "LOGIN_MAX_FAILURES_PER_ADDRESS": 6,
            "TRUSTED_PROXIES": 1}


def sign_in(client, email, password, address="198.51.100.7", **kwargs):
    """As nginx would pass it: the connection from 127.0.0.1, the client in X-Forwarded-For."""
    return client.post("/auth/login", data={"email": email, "password": password},
                       headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": "127.0.0.1"}, **kwargs)


def test_wrong_password_is_refused_with_a_message(client, make):
    user = make.account()
    client.post("/language/en")
    response = sign_in(client, user.email, "wrong-password")
    assert response.status_code == 200 and "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_pair_is_throttled_after_repeated_failures(client, make):
    user = make.account()
    for _ in range(3):
        sign_in(client, user.email, "wrong-password")
    response = sign_in(client, user.email, PASSWORD)  # even the right password waits now
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(app, make):
    """The audit: behind nginx every request came from 127.0.0.1, so 5 failures locked everyone."""
    user, other = make.account(), make.account()
    attacker, colleague = app.test_client(), app.test_client()
    for _ in range(3):
        sign_in(attacker, other.email, "wrong-password", address="203.0.113.9")
    assert sign_in(attacker, other.email, PASSWORD, address="203.0.113.9").status_code == 429
    assert sign_in(colleague, user.email, PASSWORD, address="198.51.100.20").status_code == 302
    # Nor can the attacker lock the victim's own address out of the victim's account.
    assert sign_in(app.test_client(), other.email, PASSWORD, address="198.51.100.30").status_code == 302


def test_failures_from_many_addresses_meet_the_slower_ceiling_per_email(client, make):
    user = make.account()
    for n in range(5):
        assert sign_in(client, user.email, "wrong-password", address=f"203.0.113.{n}").status_code == 200
    assert sign_in(client, user.email, PASSWORD, address="203.0.113.99").status_code == 429


def test_one_address_trying_many_emails_meets_the_ceiling_per_address(client, make):
    user = make.account()
    for n in range(6):
        sign_in(client, f"nobody{n}@example.com", "wrong-password")
    assert sign_in(client, user.email, PASSWORD).status_code == 429


def test_a_success_frees_the_pair(client, make):
    user = make.account()
    for _ in range(2):
        sign_in(client, user.email, "wrong-password")
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    client.post("/auth/logout")
    for _ in range(2):
        sign_in(client, user.email, "wrong-password")
    assert sign_in(client, user.email, PASSWORD).status_code == 302


class TestWithoutTrustedProxy:
    @pytest.fixture
    def app_config(self):
        return {"LOGIN_MAX_FAILURES": 3, "TRUSTED_PROXIES": 0}

    def test_a_forged_forwarded_for_header_gets_no_fresh_bucket(self, client, make):
        user = make.account()
        for n in range(3):
            sign_in(client, user.email, "wrong-password", address=f"203.0.113.{n}")
        assert sign_in(client, user.email, PASSWORD, address="203.0.113.50").status_code == 429


def test_an_unknown_email_costs_a_password_hash_check_too(client, make, monkeypatch):
    """The audit measured 12–29 ms for unknown emails and 125–393 ms for known ones."""
    user = make.account()
    sign_in(client, "warm-up@example.com", "x")  # the dummy hash is made once
    checks = []
    real = werkzeug_security.check_password_hash
    monkeypatch.setattr(werkzeug_security, "check_password_hash", lambda h, p: checks.append(h) or real(h, p))
    monkeypatch.setattr("flashcall.accounts.credentials.check_password_hash", werkzeug_security.check_password_hash)
    monkeypatch.setattr("flashcall.models.account.check_password_hash", werkzeug_security.check_password_hash)
    sign_in(client, "nobody@example.com", "wrong-password")
    sign_in(client, user.email, "wrong-password")
    assert len(checks) == 2 and checks[0].split("$")[0] == checks[1].split("$")[0]  # same method, same cost


def test_failures_and_sign_ins_are_in_the_audit_log(client, make):
    user = make.account()
    sign_in(client, user.email, "wrong-password")
    sign_in(client, user.email, PASSWORD)
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.account_id, e.ip) for e in entries] == [
        ("auth.sign_in_failed", user.account_id, "198.51.100.7"), ("auth.sign_in", user.account_id, "198.51.100.7")]
    assert entries[0].actor_id is None and entries[0].target == user.email and entries[1].actor_id == user.id


def test_session_cookie_is_httponly_and_samesite(client, make):
    user = make.account()
    response = sign_in(client, user.email, PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out_ends_the_session(client, make, login):
    login(make.account())
    assert client.get("/").status_code == 200
    client.post("/auth/logout")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target", [
    "//evil.example/x", "/%09/evil.example", "/%0a/evil.example", "/%5Cevil.example", "%20//evil.example",
    "https://evil.example/", "/%0d%0a/evil.example", "javascript:alert(1)",
])
def test_next_only_goes_to_local_pages(client, make, target):
    user = make.account()
    response = client.post(f"/auth/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_next_keeps_a_local_page(client, make):
    user = make.account()
    response = client.post("/auth/login?next=/services/%3Fx%3D1", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/services/?x=1"


@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example"])
def test_the_language_switch_stays_on_this_site(client, target):
    response = client.post("/language/en", data={"next": target})
    assert response.headers["Location"] == "/"
    assert client.post("/language/fa", data={"next": "/services/"}).headers["Location"] == "/services/"


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_token_is_refused(self, client, make):
        user = make.account()
        assert sign_in(client, user.email, PASSWORD).status_code == 400

    def test_dashboard_form_without_token_is_refused(self, app, client, make):
        user = make.account()
        token = _csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        response = client.post("/services/new", data={"name": "x", "code_length": "4"})
        assert response.status_code == 400
        assert client.post("/language/en").status_code == 400

    def test_form_with_token_is_accepted(self, client, make):
        user = make.account()
        token = _csrf_token(client, "/auth/login")
        response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302


def _csrf_token(client, url):
    page = client.get(url).get_data(as_text=True)
    return page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
