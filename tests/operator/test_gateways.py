"""Operator gateway pages: add, edit, disable, delete, number blocks, «test connection», health,
routing a service with a fallback. Messages in Persian; secrets never shown again."""
import pytest

from flashcall.clock import utcnow
from flashcall.db import db
from flashcall.models import Gateway, Service
from flashcall.sealing import unseal
from flashcall.telephony.routing import gateway_for
from tests.telephony.ami_server import AmiServer
from tests.telephony.sip_uas import SipEndpoint

SIP = {"kind": "sip", "name": "Trunk A", "host": "127.0.0.1", "port": "5090", "transport": "udp",
       "username": "acct", "secret": "very-secret-1", "ring_seconds": "3", "blocks": "+98219100XXXX"}


@pytest.fixture
def operator(client, make, login):
    user = make.account(operator=True)
    login(user)
    return user


def _gateway(name):
    return db.session.scalar(db.select(Gateway).where(Gateway.name == name))


def test_add_a_sip_gateway_with_its_blocks_and_sealed_password(app, client, operator):
    response = client.post("/operator/gateways/new", data=SIP)
    assert response.status_code == 302
    gateway = _gateway("Trunk A")
    assert (gateway.kind, gateway.host, gateway.port, gateway.username) == ("sip", "127.0.0.1", 5090, "acct")
    assert "very-secret-1" not in gateway.secret_sealed
    assert unseal(app.config["SECRETS_KEY"], gateway.secret_sealed) == "very-secret-1"
    assert [b.pattern for b in gateway.blocks] == ["+98219100XXXX"]
    page = client.get("/operator/").get_data(as_text=True)
    assert "Trunk A" in page and "very-secret-1" not in page
    edit = client.get(f"/operator/gateways/{gateway.id}/edit").get_data(as_text=True)
    assert "very-secret-1" not in edit and gateway.secret_sealed not in edit


def test_validation_messages_are_persian_and_nothing_is_saved(client, operator):
    page = client.post("/operator/gateways/new", data=dict(SIP, host="", name="Bad")).get_data(as_text=True)
    assert "نشانی" in page and _gateway("Bad") is None
    page = client.post("/operator/gateways/new", data=dict(SIP, name="Short", blocks="+982191XX")).get_data(as_text=True)
    assert "دست‌کم 3 رقم آزاد" in page and _gateway("Short") is None
    page = client.post("/operator/gateways/new", data=dict(SIP, name="Tls", transport="tls")).get_data(as_text=True)
    assert "پروتکل انتقال را UDP یا TCP انتخاب کنید." in page and _gateway("Tls") is None


def test_a_sip_gateway_over_tcp(client, operator):
    form = client.get("/operator/gateways/new").get_data(as_text=True)
    assert 'value="tcp"' in form and "TCP (یک اتصال پایدار)" in form and "UDP (پیش‌فرض)" in form
    assert client.post("/operator/gateways/new", data=dict(SIP, name="Tcp", transport="TCP")).status_code == 302
    assert _gateway("Tcp").transport == "tcp"
    page = client.get("/operator/").get_data(as_text=True)
    assert "127.0.0.1:5090 TCP" in page


def test_test_connection_over_tcp(client, operator):
    far = SipEndpoint(transport="tcp")
    try:
        client.post("/operator/gateways/new", data=dict(SIP, port=str(far.port), transport="tcp"))
        gateway = _gateway("Trunk A")
        page = client.post(f"/operator/gateways/{gateway.id}/test", follow_redirects=True).get_data(as_text=True)
        assert "SIP 200 OK" in page and "میلی‌ثانیه" in page
        assert far.methods() == ["OPTIONS"] and far.accepted == 1
    finally:
        far.close()
    page = client.post(f"/operator/gateways/{gateway.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "پاسخ نداد" in page and "SIP over TCP: Connection refused" in page


def test_edit_keeps_the_secret_when_left_empty_and_bumps_the_version(app, client, operator):
    client.post("/operator/gateways/new", data=SIP)
    gateway = _gateway("Trunk A")
    sealed, version = gateway.secret_sealed, gateway.version
    response = client.post(f"/operator/gateways/{gateway.id}/edit", data=dict(SIP, name="Trunk B", secret=""))
    assert response.status_code == 302
    db.session.refresh(gateway)
    assert gateway.name == "Trunk B" and gateway.secret_sealed == sealed and gateway.version == version + 1


def test_blocks_added_and_removed_with_the_free_digits_rule(client, operator, make):
    client.post("/operator/gateways/new", data=SIP)
    gateway = _gateway("Trunk A")
    service = make.service(code_length=5)
    service.gateway_id = None
    db.session.commit()
    client.post(f"/operator/gateways/{gateway.id}/blocks", data={"block": "+982191001111, +982191002222"})
    db.session.refresh(gateway)
    assert gateway.blocks[-1].numbers == "+982191001111\n+982191002222"
    default = db.session.scalar(db.select(Gateway).where(Gateway.is_default.is_(True)))
    page = client.post(f"/operator/gateways/{default.id}/blocks", data={"block": "+98219100XXXX"},
                       follow_redirects=True).get_data(as_text=True)
    assert "دست‌کم 5 رقم آزاد" in page  # the default gateway serves a 5-digit service
    block = gateway.blocks[-1]
    client.post(f"/operator/blocks/{block.id}/delete")
    db.session.expire_all()
    assert len(_gateway("Trunk A").blocks) == 1


def test_test_connection_shows_the_result_and_round_trip(client, operator):
    far = SipEndpoint()
    try:
        client.post("/operator/gateways/new", data=dict(SIP, port=str(far.port)))
        gateway = _gateway("Trunk A")
        page = client.post(f"/operator/gateways/{gateway.id}/test", follow_redirects=True).get_data(as_text=True)
        assert "SIP 200 OK" in page and "میلی‌ثانیه" in page
    finally:
        far.close()
    page = client.post(f"/operator/gateways/{gateway.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "پاسخ نداد" in page


def test_ami_gateway_test_connection(client, operator):
    server = AmiServer()
    try:
        client.post("/operator/gateways/new", data={
            "kind": "ami", "name": "PBX", "host": "127.0.0.1", "port": str(server.port), "username": "flashcall",
            "secret": "s3cret", "channel": "PJSIP/{national}@trunk", "ring_seconds": "4", "blocks": "+98219100XXXX"})
        gateway = _gateway("PBX")
        page = client.post(f"/operator/gateways/{gateway.id}/test", follow_redirects=True).get_data(as_text=True)
        assert "Ping Pong" in page
    finally:
        server.stop()


def test_health_and_outage_are_shown(client, operator):
    client.post("/operator/gateways/new", data=SIP)
    gateway = _gateway("Trunk A")
    gateway.health, gateway.health_since = "down", utcnow()
    gateway.last_error = "SIP: no answer to OPTIONS within 4 s"
    db.session.commit()
    page = client.get("/operator/").get_data(as_text=True)
    assert 'id="outage"' in page and "SIP: no answer to OPTIONS within 4 s" in page and "قطع" in page


def test_route_a_service_with_a_fallback_used_when_the_first_is_down(client, operator, make):
    client.post("/operator/gateways/new", data=SIP)
    client.post("/operator/gateways/new", data=dict(SIP, name="Backup"))
    first, backup = _gateway("Trunk A"), _gateway("Backup")
    service = make.service()
    response = client.post(f"/operator/services/{service.id}/route", data={"gateway": first.id, "fallback": backup.id})
    assert response.status_code == 302
    service = db.session.get(Service, service.id)
    assert (service.gateway_id, service.fallback_gateway_id) == (first.id, backup.id)
    assert gateway_for(service).id == first.id
    first.health = "down"
    db.session.commit()
    assert gateway_for(service).id == backup.id
    backup.active = False
    db.session.commit()
    assert gateway_for(service) is None


def test_disable_and_delete(client, operator, make):
    client.post("/operator/gateways/new", data=SIP)
    gateway = _gateway("Trunk A")
    client.post(f"/operator/gateways/{gateway.id}/active")
    db.session.refresh(gateway)
    assert gateway.active is False
    service = make.service()
    service.gateway_id = gateway.id
    db.session.commit()
    page = client.post(f"/operator/gateways/{gateway.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert _gateway("Trunk A") is not None and "سرویس" in page
    service.gateway_id = None
    db.session.commit()
    client.post(f"/operator/gateways/{gateway.id}/delete")
    db.session.expire_all()
    assert _gateway("Trunk A") is None


def test_the_customer_dashboard_shows_an_outage_of_its_services_gateway(client, make, login):
    owner = make.account()
    service = make.service(owner.account, name="Shop login")
    default = db.session.scalar(db.select(Gateway).where(Gateway.is_default.is_(True)))
    login(owner)
    assert "outage" not in client.get("/").get_data(as_text=True)
    default.health, default.health_since = "down", utcnow()
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "outage" in page and "Shop login" in page and "قطع" in page
    assert service.id
