"""A hanging webhook receiver never holds up the API: the API only writes the outbox row."""
import threading

from flashcall.db import db
from flashcall.models import WebhookDelivery
from tests.worker import deliver_due
from tests.waiting import eventually


def test_api_answers_while_the_receiver_hangs(app, client, make, receiver):
    receiver.answering.clear()  # the receiver takes requests and never answers them, until released
    service = make.service(webhook_url=receiver.url, min_interval_seconds=0)
    _, token = make.key(service)
    auth = {"Authorization": f"Bearer {token}"}
    first = client.post("/api/v1/calls", json={"phone": "09121234567"}, headers=auth).get_json()
    assert client.delete(f"/api/v1/calls/{first['id']}", headers=auth).status_code == 200
    db.session.commit()

    def send():
        with app.app_context():
            deliver_due(allow_private=True, timeout=60)
    sender = threading.Thread(target=send)
    sender.start()
    eventually(lambda: receiver.requests, timeout=30, message="the sender reaching the receiver")
    for phone in ("09121234568", "09121234569"):
        response = client.post("/api/v1/calls", json={"phone": phone}, headers=auth)
        assert response.status_code == 201
        assert client.delete(f"/api/v1/calls/{response.get_json()['id']}", headers=auth).status_code == 200
    # Both calls were placed and cancelled while the sender still waits on the receiver's answer.
    assert sender.is_alive() and not receiver.answering.is_set()
    db.session.commit()  # the test client shares this session; let the sender record its outcome
    receiver.answering.set()
    sender.join(timeout=60)
    assert not sender.is_alive()
    events = db.session.scalars(db.select(WebhookDelivery.event)).all()
    assert events == ["canceled"] * 3
