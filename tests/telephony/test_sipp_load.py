"""Load with a real SIP tool: 200 calls ringing at once through one dispatcher against sipp,
all delivered, none leaked (sipp saw every dialog end; nothing left in the driver or dispatcher);
and 50 over TCP."""
import threading
import time

from sqlalchemy import func, select

from flashcall.db import db
from flashcall.models import Call
from flashcall.settings import Settings
from flashcall.telephony import gateways
from flashcall.telephony.drivers.sip import SipStack
from flashcall.verification import start_call
from tests.worker import run

from .sipp import Sipp
from tests.waiting import eventually

CALLS = 200


def test_two_hundred_calls_at_once_through_one_dispatcher(app, make):
    app.config.update(SIP_ADDRESS="127.0.0.1")
    sipp = Sipp(CALLS)
    try:
        gateway = gateways.create_gateway({"kind": "sip", "name": "sipp", "host": "127.0.0.1", "port": sipp.port,
                                           "ring_seconds": 8}, Settings.from_config(app.config),
                                          blocks=["+9821910XXXXXX"])
        service = make.service(code_length=4, min_interval_seconds=0, daily_limit=10)
        gateways.route_service(service, gateway.id)
        db.session.commit()
        for n in range(CALLS):
            start_call(service, f"+98912{n:07d}")
        db.session.remove()
        stop = threading.Event()
        worker = threading.Thread(target=run, args=(app, "load", stop), daemon=True)
        worker.start()
        try:
            code, output = sipp.wait(timeout=240)
            eventually(lambda: _count("delivered") >= CALLS, timeout=60, interval=0.2)
        finally:
            stop.set()
            worker.join(timeout=60)
        assert code == 0, output
        assert _count("delivered") == CALLS
        rang_last, ended_first = db.session.execute(select(func.max(Call.ringing_at), func.min(Call.ended_at))).one()
        assert rang_last < ended_first  # all 200 were ringing at the same time
        assert db.session.scalar(select(func.count()).where(Call.lease_owner.is_not(None))) == 0
    finally:
        sipp.stop()


def _count(status):
    count = db.session.scalar(select(func.count()).select_from(Call).where(Call.status == status))
    db.session.remove()
    return count


TCP_CALLS = 50


def test_fifty_calls_over_tcp_on_one_connection(app, make):
    """sipp over TCP (one connection, -t t1): every call delivered, each INVITE with a TCP Via, and once
    sipp is gone nothing is left: no connection, no transaction, no call in the driver or dispatcher."""
    app.config.update(SIP_ADDRESS="127.0.0.1")
    sipp = Sipp(TCP_CALLS, transport="tcp")
    try:
        gateway = gateways.create_gateway({"kind": "sip", "name": "sipp-tcp", "host": "127.0.0.1", "port": sipp.port,
                                           "transport": "tcp", "ring_seconds": 4}, Settings.from_config(app.config),
                                          blocks=["+9821910XXXXXX"])
        service = make.service(code_length=4, min_interval_seconds=0, daily_limit=10)
        gateways.route_service(service, gateway.id)
        db.session.commit()
        for n in range(TCP_CALLS):
            start_call(service, f"+98912{n:07d}")
        db.session.remove()
        stop = threading.Event()
        worker = threading.Thread(target=run, args=(app, "load-tcp", stop), daemon=True)
        worker.start()
        try:
            code, output = sipp.wait(timeout=240)
            eventually(lambda: _count("delivered") >= TCP_CALLS, timeout=60, interval=0.2)
        finally:
            stop.set()
            worker.join(timeout=60)
        assert code == 0, output
        assert _count("delivered") == TCP_CALLS
        invites = sipp.received("INVITE")
        assert len(invites) == TCP_CALLS
        assert all(i.split("\n", 1)[0].endswith(";transport=tcp SIP/2.0") for i in invites)
        assert all("\nVia: SIP/2.0/TCP 127.0.0.1:" in i for i in invites)
        assert len(sipp.received("CANCEL")) == TCP_CALLS and len(sipp.received("ACK")) == TCP_CALLS
        assert db.session.scalar(select(func.count()).where(Call.lease_owner.is_not(None))) == 0
        stack = SipStack._instance
        far = ("127.0.0.1", sipp.port)
        eventually(lambda: far not in stack.tm.tcp.addresses(), timeout=30, ignoring=(RuntimeError,),
                   message="the connection to sipp closed")
        eventually(lambda: not [t for t in list(stack.tm.tclient.values()) if tuple(t.address or ()) == far],
                   timeout=60, ignoring=(RuntimeError,), message="no transaction left towards sipp")
    finally:
        sipp.stop()
