"""Two-factor sign-in with an authenticator app (TOTP) and recovery codes; required for operators
when FLASHCALL_REQUIRE_2FA=1."""
import re
import time

import pyotp
import pytest

from flashcall.db import db
from flashcall.sealing import new_key, seal, unseal
from flashcall.models import AuditEntry

from ..conftest import PASSWORD


def turn_on(client):
    """What a person does: open the page, scan the QR code, type the app's code; returns (secret, codes)."""
    page = client.get("/auth/two-factor").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]  # the QR code is drawn here
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page).group(1)
    response = client.post("/auth/two-factor/enable", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def previous_code(secret):
    """A code the app showed a moment ago (still accepted), so a test need not wait for the next one."""
    return pyotp.TOTP(secret).at(time.time() - 30)


def test_turning_on_then_signing_in_needs_a_code(client, make, login):
    user = make.account()
    login(user)
    secret, _codes = turn_on(client)
    client.post("/auth/logout")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/auth/login/code"
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post("/auth/login/code", data={"code": "000000"})
    assert wrong.status_code == 200 and client.get("/").status_code == 302
    assert client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/").status_code == 200
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "auth.two_factor_enabled" in actions and actions[-1] == "auth.sign_in"


def test_the_secret_is_stored_sealed_and_only_this_installations_key_opens_it(app, client, make, login):
    user = make.account()
    login(user)
    secret, _codes = turn_on(client)
    db.session.refresh(user)
    stored = user.totp_secret_sealed
    assert secret not in stored and unseal(app.config["SECRETS_KEY"], stored) == secret
    # Sealed under another installation's key, the secret opens to nothing: its codes stop working.
    user.totp_secret_sealed = seal(new_key(), secret)
    db.session.commit()
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert client.get("/").status_code == 302


def test_a_code_is_accepted_only_once(app, make, login, client):
    user = make.account()
    login(user)
    secret, _ = turn_on(client)
    client.post("/auth/logout")
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        browser.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    # Read after the two sign-ins (slow password hashes on a loaded machine): the current code stays
    # accepted for 30-60 s, where one drawn before them could leave the accepted steps meanwhile.
    code = pyotp.TOTP(secret).now()
    assert first.post("/auth/login/code", data={"code": code}).status_code == 302
    assert second.post("/auth/login/code", data={"code": code}).status_code == 200  # replayed: refused


def test_a_recovery_code_works_once(app, make, login, client):
    user = make.account()
    login(user)
    _secret, codes = turn_on(client)
    client.post("/auth/logout")
    for expected in (302, 200):
        browser = app.test_client()
        browser.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert browser.post("/auth/login/code", data={"code": codes[0].upper()}).status_code == expected


def test_guessing_codes_is_throttled(client, make, login):
    user = make.account()
    login(user)
    secret, _ = turn_on(client)
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    for _ in range(5):
        client.post("/auth/login/code", data={"code": "000000"})
    assert client.post("/auth/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 429


def test_turning_off_needs_the_password_and_a_code(client, make, login):
    user = make.account()
    login(user)
    secret, _ = turn_on(client)
    refused = client.post("/auth/two-factor/disable", data={"password": "wrong", "code": previous_code(secret)})
    assert refused.status_code == 422
    done = client.post("/auth/two-factor/disable", data={"password": PASSWORD, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    db.session.refresh(user)
    assert not user.two_factor and user.totp_secret_sealed is None


class TestRequired:
    @pytest.fixture
    def app_config(self):
        return {"REQUIRE_2FA": True}

    def test_an_operator_must_set_it_up_first(self, client, make, login):
        login(make.account(operator=True))
        response = client.get("/services/")
        assert response.status_code == 302 and response.headers["Location"] == "/auth/two-factor"
        turn_on(client)
        assert client.get("/services/").status_code == 200

    def test_a_customer_is_not_forced(self, client, make, login):
        login(make.account())
        assert client.get("/services/").status_code == 200
