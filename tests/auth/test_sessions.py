"""Sessions can be revoked: sign-out, a password change and «sign out everywhere» end the other
sessions; an idle session expires; the remember cookie changes and does not last a year."""
from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous import TimestampSigner

from flashcall.db import db
from flashcall.models import AuditEntry

from ..conftest import PASSWORD


def _copy_cookies(source, target):
    """Another browser holding the same cookies (a stolen copy)."""
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def _sign_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302
    return response


def test_a_cookie_copied_before_sign_out_no_longer_works(app, make):
    """The audit: a cookie captured before sign-out still worked after it."""
    user = make.account()
    browser, thief = app.test_client(), app.test_client()
    _sign_in(browser, user, remember=True)
    _copy_cookies(browser, thief)
    assert thief.get("/").status_code == 200
    browser.post("/auth/logout")
    assert thief.get("/").status_code == 302
    thief.delete_cookie("session")  # the remember cookie alone does not bring the session back
    assert thief.get("/").status_code == 302


def test_the_remember_cookie_is_new_after_signing_in_again_and_lasts_weeks_not_a_year(app, make):
    user = make.account()
    client = app.test_client()
    first = _sign_in(client, user, remember=True)
    client.post("/auth/logout")
    second = _sign_in(client, user, remember=True)

    def remember(response):
        return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert remember(first).split(";")[0] != remember(second).split(";")[0]
    expires = remember(second).split("Expires=")[1].split(";")[0]
    until = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=timezone.utc)
    assert until - datetime.now(timezone.utc) <= timedelta(days=15)


def test_changing_the_password_signs_out_other_devices_but_not_this_one(app, make):
    user = make.account()
    here, there = app.test_client(), app.test_client()
    _sign_in(here, user)
    _sign_in(there, user)
    response = here.post("/auth/account", data={"password": PASSWORD, "new_password": "new-secret-pass",
                                                 "confirm": "new-secret-pass"})
    assert response.status_code == 302
    assert here.get("/").status_code == 200 and there.get("/").status_code == 302
    assert app.test_client().post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert app.test_client().post("/auth/login", data={"email": user.email,
                                                       "password": "new-secret-pass"}).status_code == 302
    assert db.session.scalar(db.select(AuditEntry.action).where(AuditEntry.action == "auth.password_changed"))


def test_a_wrong_current_password_changes_nothing(client, make, login):
    user = make.account()
    login(user)
    response = client.post("/auth/account", data={"password": "not-it", "new_password": "new-secret-pass",
                                                  "confirm": "new-secret-pass"})
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_sign_out_everywhere(app, make):
    user = make.account()
    here, there = app.test_client(), app.test_client()
    _sign_in(here, user, remember=True)
    _sign_in(there, user, remember=True)
    assert here.post("/auth/sign-out-everywhere").status_code == 302
    assert here.get("/").status_code == 200 and there.get("/").status_code == 302


def test_a_deactivated_user_is_signed_out_at_once(app, make, client, login):
    owner = make.account()
    colleague = make.user(owner.account, role="developer")
    other = app.test_client()
    _sign_in(other, colleague)
    login(owner)
    client.post(f"/users/{colleague.id}/deactivate")
    assert other.get("/").status_code == 302


class TestIdle:
    @pytest.fixture
    def app_config(self):
        return {"PERMANENT_SESSION_LIFETIME": timedelta(minutes=30)}

    def test_a_session_idle_past_the_limit_is_refused(self, app, client, make, monkeypatch):
        user = make.account()
        _sign_in(client, user)
        assert client.get("/").status_code == 200
        # The same session cookie, as if last refreshed 31 minutes ago.
        value = client.get_cookie("session").value
        payload = app.session_interface.get_signing_serializer(app).loads(value)
        old = int(datetime.now(timezone.utc).timestamp()) - 31 * 60
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: old)
        stale = app.session_interface.get_signing_serializer(app).dumps(payload)
        monkeypatch.undo()
        client.set_cookie("session", stale)
        assert client.get("/").status_code == 302
