"""Per-key rate limits shared through Redis, as several web processes need."""
import os
import uuid

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip():
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("FLASHCALL_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def app_config():
    _redis_or_skip()
    return {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "API_RATE_LIMIT_PER_KEY": "3/minute"}


def test_per_key_limit_counts_in_redis(client, make):
    _key, token = make.key()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [client.get("/api/v1/balance", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/balance", headers=headers)
    assert refused.json["code"] == "rate_limited" and int(refused.headers["Retry-After"]) > 0
