"""Load with a real SIP tool: 200 calls ringing at once through one dispatcher against sipp,
all delivered, none leaked (sipp saw every dialog end; nothing left in the driver or dispatcher)."""
import threading
import time

from sqlalchemy import func, select

from flashcall.db import db
from flashcall.models import Call
from flashcall.settings import Settings
from flashcall.telephony import gateways
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
