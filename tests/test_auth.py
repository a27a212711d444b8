"""Sign-in: throttling after repeated failures, cookie flags, CSRF on forms, sign-out."""
import pytest

from .conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"LOGIN_MAX_FAILURES": 3}


def sign_in(client, email, password):
    return client.post("/auth/login", data={"email": email, "password": password})


def test_wrong_password_is_refused_with_a_message(client, make):
    user = make.account()
    client.post("/language/en")
    response = sign_in(client, user.email, "wrong-password")
    assert response.status_code == 200 and "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_sign_in_is_throttled_after_repeated_failures(client, make):
    user = make.account()
    for _ in range(3):
        sign_in(client, user.email, "wrong-password")
    response = sign_in(client, user.email, PASSWORD)  # even the right password waits now
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_throttle_counts_failures_from_one_address_across_emails(client, make):
    user = make.account()
    for n in range(3):
        sign_in(client, f"nobody{n}@example.com", "wrong-password")
    assert sign_in(client, user.email, PASSWORD).status_code == 429


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


def test_next_only_goes_to_local_pages(client, make):
    user = make.account()
    response = client.post("/auth/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


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
