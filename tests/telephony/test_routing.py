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
