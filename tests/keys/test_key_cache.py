"""Each process keeps looked-up keys for at most KEY_CACHE_SECONDS: no query for a key just used,
a change made in this process applies at once, one made elsewhere within that time."""
from sqlalchemy import event, update

from flashcall.accounts import keys
from flashcall.db import db
from flashcall.models import AccessKey


def _statements(app, run):
    seen = []
    listen = (db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    with app.app_context():
        event.listen(*listen)
        try:
            run()
        finally:
            event.remove(*listen)
    return seen


def test_a_key_just_used_is_not_read_again(app, client, make):
    _key, token = make.key(make.service())
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/balance", headers=headers).status_code == 200
    seen = _statements(app, lambda: client.get("/api/v1/balance", headers=headers))
    assert not [s for s in seen if "FROM access_key" in s], seen


def test_revoking_in_this_process_applies_at_once(client, make):
    key, token = make.key(make.service())
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/balance", headers=headers).status_code == 200
    keys.revoke_key(db.session.get(AccessKey, key.id))
    db.session.commit()
    assert client.get("/api/v1/balance", headers=headers).status_code == 401


def test_suspending_the_service_in_this_process_applies_at_once(client, make):
    service = make.service()
    _key, token = make.key(service)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/calls", json={"phone": "09121234567"}, headers=headers).status_code == 201
    service.status = "suspended"
    db.session.commit()
    refused = client.post("/api/v1/calls", json={"phone": "09121234568"}, headers=headers)
    assert refused.status_code == 403 and refused.get_json()["code"] == "service_disabled"


def test_a_change_made_by_another_process_applies_within_the_cache_time(client, make, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(keys.time, "monotonic", lambda: clock[0])
    key, token = make.key(make.service())
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/balance", headers=headers).status_code == 200
    db.session.execute(update(AccessKey).where(AccessKey.id == key.id).values(revoked_at=db.func.now()))
    db.session.commit()  # a Core UPDATE: what another process's change looks like to this one
    clock[0] += keys.cache_seconds - 0.1
    assert client.get("/api/v1/balance", headers=headers).status_code == 200  # still cached here
    clock[0] += 0.2
    assert client.get("/api/v1/balance", headers=headers).status_code == 401
