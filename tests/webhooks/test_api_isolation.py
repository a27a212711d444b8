"""A slow webhook receiver never slows the API: the API only writes the outbox row."""
import threading
import time

from flashcall.db import db
from flashcall.models import WebhookDelivery
from flashcall.webhooks.sender import deliver_due


def test_api_answers_quickly_while_the_receiver_hangs(app, client, make, receiver):
    receiver.delay = 3
    service = make.service(webhook_url=receiver.url, min_interval_seconds=0)
    _, token = make.key(service)
    auth = {"Authorization": f"Bearer {token}"}
    first = client.post("/api/v1/calls", json={"phone": "09121234567"}, headers=auth).get_json()
    assert client.delete(f"/api/v1/calls/{first['id']}", headers=auth).status_code == 200
    db.session.commit()

    def send():
        with app.app_context():
            deliver_due(allow_private=True)
    sender = threading.Thread(target=send)
    sender.start()
    while not receiver.requests:  # the sender is now waiting on the hanging receiver
        time.sleep(0.01)
    started = time.monotonic()
    for phone in ("09121234568", "09121234569"):
        response = client.post("/api/v1/calls", json={"phone": phone}, headers=auth)
        assert response.status_code == 201
        assert client.delete(f"/api/v1/calls/{response.get_json()['id']}", headers=auth).status_code == 200
    assert time.monotonic() - started < 1.5
    db.session.commit()  # the test client shares this session; let the sender record its outcome
    sender.join()
    events = db.session.scalars(db.select(WebhookDelivery.event)).all()
    assert events == ["canceled"] * 3
