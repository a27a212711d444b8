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
