"""End to end with a real SIP phone: the API queues a call, a dispatcher (the worker loop in a
thread) places it through the SIP driver, Debian's baresip rings on loopback (over UDP, or over
TCP with baresip listening on TCP only), and the digits of the number that called verify the phone."""
import threading
import time

import pytest
import requests

from flashcall.db import db
from flashcall.settings import Settings
from flashcall.telephony import gateways
from flashcall.telephony.drivers.sip import SipStack
from tests.worker import run

from .baresip import Baresip
from tests.waiting import eventually

PHONES = [f"+98912000{n:04d}" for n in range(20)]
TIMEOUT = 60


@pytest.fixture
def app_config():
    return {"SIP_ADDRESS": "127.0.0.1", "DISPATCH_POLL_SECONDS": 0.02}


@pytest.fixture
def phone_factory():
    phones = []

    def start(answer=False, transport="udp"):
        phones.append(Baresip(PHONES, answer=answer, transport=transport).start())
        return phones[-1]
    yield start
    for phone in phones:
        phone.stop()


@pytest.fixture
def sip_service(app, make, live_url):
    """A service routed to a SIP gateway pointing at the phone; returns its API (with a key)."""
    def route(phone, ring_seconds=1):
        settings = Settings.from_config(app.config)
        gateway = gateways.create_gateway({"kind": "sip", "name": "baresip", "host": "127.0.0.1",
                                           "port": phone.port, "transport": phone.transport,
                                           "ring_seconds": ring_seconds},
                                          settings, blocks=["+98219100XXXX"])
        service = make.service(code_length=4, min_interval_seconds=0)
        gateways.route_service(service, gateway.id)
        db.session.commit()
        token = make.key(service)[1]
        db.session.remove()
        return Api(live_url, token)
    return route


@pytest.fixture
def worker(app):
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(app, "sip-test", stop), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=40)
    assert not thread.is_alive(), "the worker did not stop"


class Api:
    """The API over real HTTP (the test's own session stays out of the database's way)."""

    def __init__(self, url, token):
        self.url, self.headers = url + "/api/v1", {"Authorization": f"Bearer {token}"}

    def post(self, path, body):
        return requests.post(self.url + path, json=body, headers=self.headers, timeout=30)

    def get(self, path):
        return requests.get(self.url + path, headers=self.headers, timeout=30)


def _call(api, phone):
    response = api.post("/calls", {"phone": phone})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _wait_final(api, call_id, wanted=("delivered", "answered", "failed")):
    def final():
        body = api.get(f"/calls/{call_id}").json()
        return body if body["status"] in wanted else None
    return eventually(final, timeout=TIMEOUT, interval=0.1, message=f"call {call_id} reaching {wanted}")


def _check_transport(phone):
    """Over TCP the call went on a connection to the phone's port, still open (kept for the next call)."""
    tcp = SipStack._instance.tm.tcp if SipStack._instance is not None else None
    connected = tcp is not None and ("127.0.0.1", phone.port) in tcp.addresses()
    assert connected == (phone.transport == "tcp")


def _caller(event):
    return event["peeruri"].split(":", 1)[1].split("@", 1)[0]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_the_phone_rings_from_the_code_and_is_canceled_unanswered(phone_factory, sip_service, worker, transport):
    phone = phone_factory(transport=transport)
    api = sip_service(phone)
    call_id = _call(api, PHONES[0])
    events = phone.wait_for(lambda seen: any(e["type"] == "CALL_CLOSED" for e in seen), TIMEOUT)
    _check_transport(phone)
    incoming = [e for e in events if e["type"] == "CALL_INCOMING"]
    assert len(incoming) == 1 and incoming[0]["accountaor"].startswith(f"sip:{PHONES[0]}@")
    assert not [e for e in events if e["type"] == "CALL_ESTABLISHED"]  # never answered
    body = _wait_final(api, call_id)
    assert body["status"] == "delivered"
    caller = _caller(incoming[0])
    assert caller.startswith("+98219100") and len(caller) == 13
    timeline = {e["kind"]: e["detail"] for e in body["events"]}
    assert timeline["ringing"] == "SIP 180 Ringing" and timeline["delivered"].startswith("SIP CANCEL")
    verified = api.post(f"/calls/{call_id}/verify", {"code": caller[-4:]})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_a_phone_that_answers_is_hung_up_with_bye(phone_factory, sip_service, worker, transport):
    phone = phone_factory(answer=True, transport=transport)
    api = sip_service(phone)
    call_id = _call(api, PHONES[1])
    events = phone.wait_for(lambda seen: any(e["type"] == "CALL_CLOSED" for e in seen), TIMEOUT)
    _check_transport(phone)
    closed = [e for e in events if e["type"] == "CALL_CLOSED"][0]
    assert closed["param"] == "Connection reset by peer", closed  # baresip's words for "the far end sent BYE"
    body = _wait_final(api, call_id)
    assert body["status"] == "answered"
    assert [e["detail"] for e in body["events"] if e["kind"] == "answered"][0].endswith("BYE sent")


def test_twenty_calls_at_once(phone_factory, sip_service, worker):
    phone = phone_factory()
    api = sip_service(phone, ring_seconds=2)
    ids = [_call(api, number) for number in PHONES]
    bodies = [_wait_final(api, call_id) for call_id in ids]
    assert [b["status"] for b in bodies] == ["delivered"] * 20
    events = phone.wait_for(lambda seen: len([e for e in seen if e["type"] == "CALL_CLOSED"]) == 20, TIMEOUT)
    incoming = [e for e in events if e["type"] == "CALL_INCOMING"]
    assert sorted(e["accountaor"].split(":")[1].split("@")[0] for e in incoming) == sorted(PHONES)
    callers = [_caller(e) for e in incoming]
    assert len(set(callers)) == 20  # never one number ringing two phones at once
    assert not [e for e in events if e["type"] == "CALL_ESTABLISHED"]
