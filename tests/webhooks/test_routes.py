"""The service page's webhook fragment: who sees the secret, rotating it, resending, scoping."""
import pytest

from flashcall.db import db
from flashcall.models import WebhookDelivery
from flashcall.sealing import unseal
from flashcall.webhooks import outbox
from tests.worker import deliver_due, webhook_secret

from .conftest import make_call


@pytest.fixture
def setup(make, receiver):
    owner = make.account()
    service = make.service(owner.account, webhook_url=receiver.url)
    call = make_call(service, status="failed")
    delivery = outbox.enqueue(call, "failed")
    db.session.commit()
    return owner, service, delivery


def test_owner_sees_url_secret_and_last_error(client, login, setup, receiver):
    owner, service, delivery = setup
    receiver.script = [500]
    deliver_due(allow_private=True)
    login(owner)
    page = client.get(f"/webhooks/services/{service.id}/deliveries").get_data(as_text=True)
    assert receiver.url in page and webhook_secret(service) in page
    assert "HTTP ۵۰۰" in page and "پاسخ" in page and delivery.call_id in page
    assert "nope" not in page  # the receiver's answer is never shown
    assert f"/webhooks/deliveries/{delivery.id}/resend" in page
    assert f"/webhooks/services/{service.id}/rotate" in page


def test_the_secret_is_stored_sealed(app, setup):
    _owner, service, _delivery = setup
    secret = webhook_secret(service)
    assert secret.startswith("whsec_") and secret not in service.webhook_secret_sealed
    assert unseal(app.config["SECRETS_KEY"], service.webhook_secret_sealed) == secret


def test_viewer_sees_deliveries_but_not_the_secret_and_cannot_change_anything(client, login, make, setup):
    owner, service, delivery = setup
    viewer = make.user(owner.account, role="viewer")
    login(viewer)
    response = client.get(f"/webhooks/services/{service.id}/deliveries")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and delivery.call_id in page
    assert webhook_secret(service) not in page and "/resend" not in page
    assert client.post(f"/webhooks/services/{service.id}/rotate").status_code == 403
    assert client.post(f"/webhooks/deliveries/{delivery.id}/resend").status_code == 403


def test_rotating_the_secret_signs_later_deliveries_with_the_new_one(client, login, make, setup, receiver):
    owner, service, delivery = setup
    old = webhook_secret(service)
    login(make.user(owner.account, role="developer"))
    response = client.post(f"/webhooks/services/{service.id}/rotate", headers={"HX-Request": "true"})
    db.session.refresh(service)
    assert response.status_code == 200 and webhook_secret(service) != old
    assert webhook_secret(service) in response.get_data(as_text=True)
    deliver_due(allow_private=True)
    from flashcall.webhooks import signing
    request = receiver.requests[-1]
    assert signing.is_valid(webhook_secret(service), request["headers"]["X-Flashcall-Timestamp"],
                            request["body"], request["headers"]["X-Flashcall-Signature"])
    assert not signing.is_valid(old, request["headers"]["X-Flashcall-Timestamp"],
                                request["body"], request["headers"]["X-Flashcall-Signature"])


def test_send_again_delivers_a_failed_event(client, login, setup, receiver):
    owner, service, delivery = setup
    delivery.status, delivery.attempts, delivery.last_error = "failed", 29, "http_status"
    db.session.commit()
    login(owner)
    response = client.post(f"/webhooks/deliveries/{delivery.id}/resend")
    assert response.status_code == 302 and response.location.endswith(f"/services/{service.id}")
    assert deliver_due(allow_private=True) == 1
    db.session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.last_error is None and len(receiver.requests) == 1


def test_another_accounts_service_is_404(client, login, make, setup):
    _, service, delivery = setup
    login(make.account())
    assert client.get(f"/webhooks/services/{service.id}/deliveries").status_code == 404
    assert client.post(f"/webhooks/services/{service.id}/rotate").status_code == 404
    assert client.post(f"/webhooks/deliveries/{delivery.id}/resend").status_code == 404
    assert db.session.get(WebhookDelivery, delivery.id).status == "pending"


def test_signed_out_is_sent_to_sign_in(client, setup):
    _, service, _ = setup
    assert client.get(f"/webhooks/services/{service.id}/deliveries").status_code == 302


def test_a_failure_code_the_page_does_not_know_reads_as_a_network_error(client, login, setup):
    owner, service, delivery = setup
    delivery.status, delivery.attempts, delivery.last_error = "failed", 1, "proxy"  # e.g. from another version
    db.session.commit()
    login(owner)
    page = client.get(f"/webhooks/services/{service.id}/deliveries").get_data(as_text=True)
    assert "خطای شبکه مانع ارسال شد." in page and "None" not in page
