"""SSRF: webhook URLs pointing inside the server's network are refused when saved and, whatever the
name resolves to later, when a delivery connects; answers are never shown."""
import socket

import pytest

from flashcall.db import db
from flashcall.models import Service
from flashcall.webhooks import outbox, targets
from tests.worker import deliver_due

from .conftest import make_call

PUBLIC = "93.184.215.14"  # an address on the internet: only ever *resolved* to here, never connected to
FORM = {"name": "Shop", "code_length": "4", "code_lifetime_minutes": "2", "max_attempts": "3",
        "min_interval_seconds": "120", "daily_limit": "10", "allowed_countries": "IR", "mobile_only": "y"}


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:6379/", "http://localhost/hook", "http://0x7f000001/", "http://[::1]:6379/",
    "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/hook", "http://192.168.1.5:8080/",
    "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:5000/", "http://user:pw@example.com/",
])
def test_saving_an_internal_address_is_refused_in_persian(client, make, login, url):
    owner = make.account()
    service = make.service(owner.account)
    login(owner)
    response = client.post(f"/services/{service.id}/edit", data=dict(FORM, webhook_url=url))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "is-invalid" in page
    assert "وب‌هوک" in page and ("شبکه" in page or "نام کاربری" in page)
    db.session.expire_all()
    assert db.session.get(Service, service.id).webhook_url is None


class TestPrivateAllowed:
    @pytest.fixture
    def app_config(self):
        return {"WEBHOOK_ALLOW_PRIVATE": True}

    def test_an_operator_may_allow_the_lan_but_never_the_metadata_address(self, client, make, login):
        owner = make.account()
        service = make.service(owner.account)
        login(owner)
        ok = client.post(f"/services/{service.id}/edit", data=dict(FORM, webhook_url="http://192.168.1.5:8080/hook"))
        assert ok.status_code == 302
        refused = client.post(f"/services/{service.id}/edit",
                              data=dict(FORM, webhook_url="http://169.254.169.254/latest/meta-data/"))
        assert refused.status_code == 200 and "is-invalid" in refused.get_data(as_text=True)


def _queued(service):
    call = make_call(service)
    delivery = outbox.enqueue(call, "delivered")
    db.session.commit()
    return delivery


def test_a_loopback_receiver_gets_nothing_by_default(make, receiver):
    """The audit: the dispatcher POSTed to 127.0.0.1 and showed 200 characters of the answer."""
    delivery = _queued(make.service(webhook_url=receiver.url))
    assert deliver_due() == 1
    db.session.refresh(delivery)
    assert receiver.requests == []
    assert (delivery.last_error, delivery.last_status_code, delivery.status) == ("blocked", None, "pending")


def _resolving(monkeypatch, answers):
    """Every name resolves to `answers` (a list of IPs) from now on."""
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (ip, port) if ":" not in ip else (ip, port, 0, 0)) for ip in answers]
    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_dns_rebinding_is_caught_when_the_delivery_connects(make, receiver, monkeypatch):
    port = receiver.server.server_address[1]
    url = f"http://hooks.rebind.test:{port}/hook"
    _resolving(monkeypatch, [PUBLIC])
    targets.check(url)  # public when saved …
    delivery = _queued(make.service(webhook_url=url))
    _resolving(monkeypatch, ["127.0.0.1"])  # … loopback when sent
    deliver_due()
    db.session.refresh(delivery)
    assert receiver.requests == [] and delivery.last_error == "blocked"


def test_a_name_with_one_private_answer_among_public_ones_is_refused(make, receiver, monkeypatch):
    port = receiver.server.server_address[1]
    delivery = _queued(make.service(webhook_url=f"http://mixed.rebind.test:{port}/hook"))
    _resolving(monkeypatch, [PUBLIC, "127.0.0.1"])
    with pytest.raises(targets.TargetRefused):
        targets.check(f"http://mixed.rebind.test:{port}/hook")
    deliver_due()
    db.session.refresh(delivery)
    assert receiver.requests == [] and delivery.last_error == "blocked"


def test_a_redirect_is_not_followed(make, receiver):
    """A receiver the operator allowed cannot bounce the delivery to the metadata address."""
    receiver.script = [302]
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    delivery = _queued(make.service(webhook_url=receiver.url))
    deliver_due(allow_private=True)
    db.session.refresh(delivery)
    assert len(receiver.requests) == 1
    assert (delivery.last_status_code, delivery.last_error) == (302, "http_status")
