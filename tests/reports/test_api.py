"""GET /api/v1/calls: the key's service's calls for scripts, filtered and paged with a cursor."""
from datetime import timedelta

import pytest

from flashcall.clock import iso, utcnow
from tests.api.conformance import check

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def api(client, make, shop):
    token = make.key(shop.store, label="script")[1]

    def get(query="", status=200, **headers):
        response = client.get("/api/v1/calls" + query, headers={"Authorization": f"Bearer {token}", **headers})
        body = response.get_json()
        check("GET", "/api/v1/calls", response.status_code, body)
        assert response.status_code == status, body
        return body
    return get


@pytest.fixture
def history(shop, calls):
    made = [calls.add(shop.store, shop.store_key, "verified", NOW - timedelta(hours=n), "+98912000%04d" % n)
            for n in range(5)]
    made.append(calls.add(shop.store, shop.web_key, "failed", NOW - timedelta(minutes=30), "+989351110000", "busy"))
    made.append(calls.add(shop.blog, shop.blog_key, "verified", NOW))  # another service: never listed
    return made


def test_lists_this_services_calls_newest_first(api, history):
    body = api()
    assert [c["id"] for c in body["calls"]] == [history[0].id, history[5].id] + [c.id for c in history[1:5]]
    assert body["next_cursor"] is None and "events" not in body["calls"][0]
    assert body["calls"][0]["created_at"] == iso(history[0].created_at)


def test_filters(api, history):
    assert [c["id"] for c in api("?status=failed")["calls"]] == [history[5].id]
    assert [c["id"] for c in api("?phone=۰۹۳۵")["calls"]] == [history[5].id]
    start, end = iso(NOW - timedelta(hours=3, minutes=30)), iso(NOW - timedelta(minutes=45))
    assert [c["id"] for c in api(f"?from={start}&to={end}")["calls"]] == [history[1].id, history[2].id, history[3].id]


def test_pages_with_a_cursor(api, history):
    first = api("?limit=4")
    assert len(first["calls"]) == 4 and first["next_cursor"]
    second = api(f"?limit=4&cursor={first['next_cursor']}")
    assert [c["id"] for c in second["calls"]] == [history[3].id, history[4].id] and second["next_cursor"] is None


@pytest.mark.parametrize("query, field", [
    ("?status=lost", "status"), ("?from=yesterday", "from"), ("?from=2024-05-02&to=2024-05-01", "to"),
    ("?limit=0", "limit"), ("?limit=500", "limit"), ("?limit=ten", "limit"), ("?cursor=forged", "cursor"),
    ("?phone=x", "phone"), ("?service=1", "service"),
])
def test_bad_parameters_get_the_stable_error(api, history, query, field):
    body = api(query, status=400)
    assert body["code"] == "invalid_parameters" and body["field"] == field and body["message"]


def test_english_messages_on_request(api, history):
    assert api("?status=lost", status=400, **{"Accept-Language": "en"})["message"].startswith("There is no such status")


def test_needs_a_key(client):
    assert client.get("/api/v1/calls").status_code == 401
