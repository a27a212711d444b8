"""One dispatcher through the SIP driver against sipp on loopback (over UDP and over TCP), beside the
same through the simulator.

For each gateway kind (simulator, sip over UDP, sip-tcp), in the same run and on the same scratch
PostgreSQL database:
  throughput  N calls queued at once, each ringing --ring seconds then canceled: calls per second
              from the first dial to the last end (one dispatcher, DISPATCH_MAX_INFLIGHT in flight)
  latency     calls accepted at --rate per second for --seconds: accept (created_at) → INVITE sent
              (for the simulator: → handed to its driver), p50/p99
The dispatcher is the worker loop in a thread of this process; calls are accepted through the engine
(start_call, as the API does) from the main thread. sipp (Debian's sip-tester) answers 100/180 and
waits for our CANCEL.

    .venv/bin/python bench/sip.py [--calls 1000] [--ring 1] [--rate 50] [--seconds 10] [--kinds simulator,sip,sip-tcp]
PostgreSQL server: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""
import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from flashcall import accounts, sealing, worker  # noqa: E402
from flashcall.clock import utcnow  # noqa: E402
from flashcall.db import db  # noqa: E402
from flashcall.factory import create_app  # noqa: E402
from flashcall.models import Call  # noqa: E402
from flashcall.settings import Settings  # noqa: E402
from flashcall.telephony import gateways  # noqa: E402
from flashcall.telephony.drivers import simulator, sip  # noqa: E402
from flashcall.telephony.routing import ensure_default_gateway  # noqa: E402
from flashcall.verification import start_call  # noqa: E402
from tests.live.stack import ScratchPostgres  # noqa: E402
from tests.telephony.sipp import Sipp  # noqa: E402

SENT = {}  # call id -> when its INVITE left (or the simulator got it)


def _record_sent():
    """Note the moment each call reaches the wire (SIP) or the driver (simulator)."""
    start, dial = sip._Call.start, simulator.SimulatorDriver.dial

    def sip_start(self):
        start(self)
        SENT[self.request.call_id] = utcnow()

    def sim_dial(self, request):
        SENT[request.call_id] = utcnow()
        dial(self, request)
    sip._Call.start, simulator.SimulatorDriver.dial = sip_start, sim_dial


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


class Phones:
    def __init__(self):
        self.n = 0

    def next(self):
        self.n += 1
        return f"+98912{self.n:07d}"


def _service(app, kind, port, ring):
    settings = Settings.from_config(app.config)
    values = {"kind": "sip" if kind.startswith("sip") else kind, "name": f"bench {kind}", "ring_seconds": ring}
    if kind.startswith("sip"):
        values.update(host="127.0.0.1", port=port, transport="tcp" if kind == "sip-tcp" else "udp")
    gateway = gateways.create_gateway(values, settings, blocks=["+9821910XXXXXX"])
    user = accounts.create_account(f"bench {kind}", f"bench-{kind}@example.com", "bench-password-1")
    service = accounts.create_service(user.account, f"bench {kind}", code_length=4, min_interval_seconds=0,
                                      secrets_key=settings.secrets_key,
                                      daily_limit=1000)
    gateways.route_service(service, gateway.id)
    db.session.commit()
    return service


def _wait_ended(ids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = db.session.scalar(select(func.count()).select_from(Call).where(
            Call.id.in_(ids), Call.status.in_(("queued", "dialing", "ringing"))))
        db.session.rollback()
        if not left:
            return True
        time.sleep(0.2)
    return False


def measure(app, kind, args, phones):
    sipp = Sipp(args.calls + args.rate * args.seconds, timeout=600,
                transport="tcp" if kind == "sip-tcp" else "udp") if kind.startswith("sip") else None
    try:
        service = _service(app, kind, sipp.port if sipp else None, args.ring)
        stop = threading.Event()
        loop = threading.Thread(target=worker.run, args=(app, f"bench-{kind}", stop, Settings.from_config(app.config)),
                                daemon=True)
        loop.start()
        time.sleep(3)  # drivers started, LISTEN ready
        ids = [start_call(service, phones.next()).id for _ in range(args.calls)]
        db.session.remove()
        if not _wait_ended(ids, 600):
            print(f"{kind}: calls did not end in time", flush=True)
        first, last = db.session.execute(select(func.min(Call.dialed_at), func.max(Call.ended_at))
                                         .where(Call.id.in_(ids))).one()
        delivered = db.session.scalar(select(func.count()).select_from(Call).where(
            Call.id.in_(ids), Call.status == "delivered"))
        elapsed = (last - first).total_seconds()
        print(f"{kind:9s} throughput  {args.calls} calls ringing {args.ring} s: {args.calls / elapsed:7.1f} calls/s "
              f"({delivered} delivered, first dial to last end {elapsed:.1f} s)", flush=True)

        paced, started = [], time.monotonic()
        for index in range(args.rate * args.seconds):
            pause = started + index / args.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            paced.append(start_call(service, phones.next()))
        db.session.remove()
        _wait_ended([c.id for c in paced], 120)
        gaps = [(SENT[c.id] - c.created_at).total_seconds() * 1000 for c in paced if c.id in SENT]
        print(f"{kind:9s} accept→{'INVITE' if kind.startswith('sip') else 'driver'} at {args.rate}/s  n={len(gaps)}  "
              f"p50 {percentile(gaps, 0.5):6.1f} ms  p99 {percentile(gaps, 0.99):6.1f} ms", flush=True)
        stop.set()
        loop.join(timeout=60)
    finally:
        if sipp is not None:
            code, output = sipp.wait(timeout=30 if sipp.process.poll() is None else 5)
            if code not in (0, None):
                print(f"sipp exit {code}: {output[-600:]}", flush=True)
            sipp.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--ring", type=int, default=1)
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--kinds", default="simulator,sip,sip-tcp", help="which gateways to measure, in order")
    args = parser.parse_args()
    scratch = ScratchPostgres(os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": scratch.url.replace("postgresql://", "postgresql+psycopg://", 1),
                          "SECRET_KEY": "bench", "SECRETS_KEY": sealing.new_key(), "SIP_ADDRESS": "127.0.0.1",
                          "SIM_RING_DELAY": 0, "SIM_RING_SECONDS": args.ring})
        _record_sent()
        print(f"one dispatcher (worker loop in a thread), PostgreSQL; {args.calls} calls at once ringing "
              f"{args.ring} s, then {args.rate} calls/s for {args.seconds} s", flush=True)
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            ensure_default_gateway()
            db.session.commit()
            phones = Phones()
            for kind in args.kinds.split(","):
                measure(app, kind, args, phones)
            db.session.remove()
            db.engine.dispose()
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
