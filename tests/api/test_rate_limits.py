"""Per-key and per-address request limits answer rate_limited with Retry-After."""
import pytest

from .conftest import ApiClient


@pytest.fixture
def app_config():
    return {"API_RATE_LIMIT_PER_KEY": "3/minute", "API_RATE_LIMIT_PER_IP": "5/minute"}


def test_a_key_over_its_limit_gets_rate_limited(api):
    statuses = [api.get("/balance").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/balance")
    body = response.get_json()
    assert body["status"] == "error" and body["code"] == "rate_limited" and body["message"]
    assert 0 < body["retry_after"] <= 60 and 0 < int(response.headers["Retry-After"]) <= 60


def test_an_address_over_its_limit_gets_rate_limited_whatever_the_key(client, make, service):
    keys = [make.key(service)[1] for _ in range(3)]
    statuses = [ApiClient(client, keys[i % 3]).get("/balance").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]


def test_a_limited_key_does_not_block_another_key(api, client, make, service):
    for _ in range(4):
        api.get("/balance")
    assert ApiClient(client, make.key(service)[1]).get("/balance").status_code == 200


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self):
        return {"API_RATE_LIMIT_PER_KEY": "100/minute", "API_RATE_LIMIT_PER_IP": "3/minute", "TRUSTED_PROXIES": 1}

    def test_each_client_has_its_own_address_bucket(self, client, make, service):
        """The audit: behind nginx every client shared 127.0.0.1's bucket."""
        keys = [make.key(service)[1] for _ in range(2)]

        def from_client(n, address):
            return ApiClient(client, keys[n]).get("/balance", headers={"X-Forwarded-For": address},
                                                   environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code
        assert [from_client(0, "203.0.113.1") for _ in range(4)] == [200, 200, 200, 429]
        assert from_client(1, "203.0.113.2") == 200


class TestCompatibleEndpoint:
    @pytest.fixture
    def app_config(self):
        return {"API_RATE_LIMIT_PER_KEY": "3/minute", "API_RATE_LIMIT_PER_IP": "5/minute"}

    def test_bad_keys_meet_the_per_address_limit(self, client):
        """The audit: 2,000 bad-key requests to /telphin/ were all answered."""
        body = {"app_id": "fc_nothing", "app_secret": "wrong", "number": "09121234567"}
        answers = [client.post("/telphin/", json=dict(body, app_id=f"fc_{n}")) for n in range(6)]
        assert [a.get_json()["description"] for a in answers] == ["invalid_client"] * 5 + ["too_many_requests"]
        assert all(a.status_code == 200 for a in answers) and 0 < int(answers[-1].headers["Retry-After"]) <= 60

    def test_one_key_meets_the_per_key_limit(self, client):
        body = {"app_id": "fc_same", "app_secret": "wrong", "number": "09121234567"}
        answers = [client.post("/telphin/auth/", json=dict(body, auth_code="1234")) for _ in range(4)]
        assert answers[-1].get_json()["description"] == "too_many_requests"

    def test_at_the_end_of_its_window_the_client_is_told_to_wait_one_second(self, client, monkeypatch):
        """A quarter of a second left in the window: Retry-After 1 (whole seconds, never 0)."""
        from types import SimpleNamespace

        from flashcall.compat import routes
        from flashcall.extensions import limiter
        monkeypatch.setattr(routes, "time", SimpleNamespace(time=lambda: limiter.current_limit.reset_at - 0.25))
        body = {"app_id": "fc_late", "app_secret": "wrong", "number": "09121234567"}
        answers = [client.post("/telphin/auth/", json=dict(body, auth_code="1234")) for _ in range(4)]
        assert answers[-1].get_json()["description"] == "too_many_requests"
        assert answers[-1].headers["Retry-After"] == "1"
