"""Security headers on every answer, the body size limit everywhere, and correct Retry-After and
Allow headers."""
import json

import pytest

from tests.api.conftest import ApiClient

CSP = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "frame-ancestors": "'none'",
       "object-src": "'none'"}


def _policy(response):
    parts = [p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";")]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


@pytest.mark.parametrize("path", ["/auth/login", "/api/v1/openapi.json", "/static/css/app.css", "/no-such-page"])
def test_every_answer_has_the_security_headers(client, path):
    response = client.get(path)
    policy = _policy(response)
    assert all(policy[name] == value for name, value in CSP.items()), policy
    # Inline style *attributes* only (set at run time by the date picker and htmx): never inline script.
    assert [name for name, value in policy.items() if "unsafe-inline" in value] == ["style-src-attr"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # not without HTTPS cookies


class TestBehindHttps:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_COOKIE_SECURE": True, "TRUSTED_PROXIES": 1}

    def test_hsts_with_secure_cookies(self, client):
        response = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_carry_no_inline_script(client, make, login):
    login(make.account())
    for path in ("/", "/services/", "/test/", "/guide/", "/users/", "/audit/", "/auth/account"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " onclick=" not in page and " onsubmit=" not in page, path
        for tag in page.split("<script")[1:]:
            assert 'src="/static/' in tag.split(">", 1)[0], (path, tag[:80])


class TestBodyLimit:
    @pytest.fixture
    def app_config(self):
        return {"MAX_CONTENT_LENGTH": 64 * 1024}

    def test_an_oversized_body_is_refused_on_pages(self, client):
        response = client.post("/auth/login", data={"email": "x" * 100_000, "password": "y"})
        assert response.status_code == 413

    def test_the_compatible_endpoint_refuses_it_in_its_own_shape(self, client):
        """The audit: /telphin/ (no sign-in) accepted 200 MB."""
        body = json.dumps({"app_id": "a", "app_secret": "b", "number": "1" * 200_000})
        response = client.post("/telphin/", data=body, content_type="application/json")
        assert response.status_code == 200
        assert response.get_data(as_text=True) == '{"status":"error","description":"parameters_error"}'


def test_405_says_which_methods_are_allowed(client):
    response = client.get("/telphin/")
    assert response.status_code == 405 and response.headers["Allow"] == "OPTIONS, POST"
    page = client.delete("/auth/login")
    assert page.status_code == 405 and "GET" in page.headers["Allow"] and "POST" in page.headers["Allow"]


class TestRateLimitHeaders:
    @pytest.fixture
    def app_config(self):
        return {"API_RATE_LIMIT_PER_KEY": "2/minute"}

    def test_retry_after_only_on_429_and_equal_to_the_body(self, client, make):
        """The audit: Flask-Limiter wrote Retry-After: 60 on every 2xx and over our own value."""
        api = ApiClient(client, make.key(make.service())[1])
        ok = api.get("/balance")
        assert ok.status_code == 200 and "Retry-After" not in ok.headers
        api.get("/balance")
        limited = api.get("/balance")
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == str(limited.get_json()["retry_after"])

    def test_an_engine_429_keeps_its_own_retry_after(self, client, make):
        api = ApiClient(client, make.key(make.service(min_interval_seconds=100))[1])
        api.post("/calls", json={"phone": "09121234567"})
        refused = api.post("/calls", json={"phone": "09121234567"})
        assert refused.get_json()["code"] == "interval_limit"
        assert refused.headers["Retry-After"] == str(refused.get_json()["retry_after"]) != "60"
