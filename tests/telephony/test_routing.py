"""Gateways are cached briefly per process, and a change made in this process applies at once."""
from flashcall.db import db
from flashcall.models import Gateway, NumberBlock
from flashcall.telephony import routing
from flashcall.verification import VerificationError, start_call


def test_a_deactivated_gateway_refuses_the_next_call_at_once(app, make):
    service = make.service()
    start_call(service, "09121234567")  # caches the default gateway
    gateway = db.session.scalar(db.select(Gateway).where(Gateway.is_default.is_(True)))
    gateway.active = False
    db.session.commit()
    try:
        start_call(service, "09121234568")
    except VerificationError as error:
        assert error.code == "gateway_unavailable"
    else:
        raise AssertionError("the deactivated gateway was still used")


def test_new_blocks_are_seen_at_once(app, make):
    service = make.service(code_length=6)
    assert len(routing.gateway_for(service).blocks) == 1
    gateway = db.session.scalar(db.select(Gateway).where(Gateway.is_default.is_(True)))
    db.session.add(NumberBlock(gateway=gateway, numbers="+982191234567"))
    db.session.commit()
    assert len(routing.gateway_for(service).blocks) == 2


def test_the_snapshot_is_reused_within_its_lifetime(app, make):
    service = make.service()
    assert routing.gateway_for(service) is routing.gateway_for(service)


def _sip_gateway(name, **columns):
    gateway = Gateway(name=name, kind="sip", host="127.0.0.1", port=5060, active=True, **columns)
    gateway.blocks.append(NumberBlock(pattern="+98219100XXXX", active=True))
    db.session.add(gateway)
    db.session.commit()
    return gateway


def test_a_down_gateway_fails_new_calls_fast_and_free_unless_a_fallback_is_up(app, client, make):
    from flashcall.models import Call
    service = make.service(min_interval_seconds=0)
    _key, token = make.key(service)
    first, backup = _sip_gateway("first", health="down"), _sip_gateway("backup")
    service.gateway_id = first.id
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.post("/api/v1/calls", json={"phone": "09121234567"}, headers=headers)
    assert refused.status_code == 503 and refused.get_json()["code"] == "gateway_unavailable"
    assert db.session.scalar(db.select(db.func.count()).select_from(Call)) == 0
    service.fallback_gateway_id = backup.id
    db.session.commit()
    accepted = client.post("/api/v1/calls", json={"phone": "09121234567"}, headers=headers)
    assert accepted.status_code == 201
    assert db.session.get(Call, accepted.get_json()["id"]).gateway_id == backup.id


def test_a_full_gateway_sends_calls_to_its_fallback(app, make):
    service = make.service(min_interval_seconds=0)
    full, backup = _sip_gateway("full", max_concurrent=1), _sip_gateway("backup")
    service.gateway_id, service.fallback_gateway_id = full.id, backup.id
    db.session.commit()
    assert start_call(service, "09121234567").gateway_id == full.id
    assert start_call(service, "09121234568").gateway_id == backup.id


def test_the_concurrency_limit_counts_only_the_gateways_own_unfinished_calls(app, make):
    """A call still ringing on another gateway, or one this gateway already ended, leaves its slot free."""
    service = make.service(min_interval_seconds=0)
    other, limited, backup = _sip_gateway("other"), _sip_gateway("limited", max_concurrent=1), _sip_gateway("backup")
    service.gateway_id = other.id
    db.session.commit()
    assert start_call(service, "09121234567").gateway_id == other.id  # queued on `other`, not ended
    service.gateway_id, service.fallback_gateway_id = limited.id, backup.id
    db.session.commit()
    ended = start_call(service, "09121234568")
    assert ended.gateway_id == limited.id
    ended.status = "failed"
    db.session.commit()
    assert start_call(service, "09121234569").gateway_id == limited.id  # the failed call freed its slot
    assert start_call(service, "09121234560").gateway_id == backup.id  # and this one is full now
