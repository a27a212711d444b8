"""SIP trunk driver (sippy): INVITE from the caller number, CANCEL once it rang long enough.

sippy's event loop (ED2) runs in one thread of its own for the whole process, with one UDP socket
shared by every SIP gateway (sippy keeps its local address process-wide) and, once a gateway wants
TCP, one TCP transport beside it (sip_tcp). Other threads never touch a UA or a timer: they hand
work to that thread with ED2.callFromThread. What the far end says comes back as events: 180/183 →
ringing; CANCEL after the ring time → delivered; 200 (someone picked up) → BYE at once and answered;
a final error → failed with the reason below (a TCP connection refused or broken: gateway_error).
"""
import itertools
import logging
import secrets
import socket
import threading
import time

from ...clock import utcnow
from ..dialstring import dial_string
from ..events import Event, Health, Probe
from .sip_tcp import FramingError, MessageReader, TcpTransport, sippy_classes

log = logging.getLogger("flashcall.sip")

# Final SIP statuses and the failure reason each means for a flash call.
STATUS_REASONS = {
    486: "busy", 600: "busy",
    404: "invalid_number", 484: "invalid_number", 604: "invalid_number",
    480: "unreachable", 408: "unreachable",
    403: "gateway_error", 503: "gateway_error",
    603: "rejected",
}
SETUP_SECONDS = 8.0  # no 180/183 by then: the phone is unreachable (or the trunk silent)
KEEPALIVE_SECONDS = 30.0  # OPTIONS to the trunk while no call tells us it is alive
RINGING_CODES = (180, 183)


def reason_for(code):
    """The failure reason for a final SIP status (anything unlisted is the gateway's error)."""
    return STATUS_REASONS.get(code, "gateway_error")


def _sippy():
    """sippy's modules, imported on first use (the web process never needs them)."""
    from sippy import CCEvents, SipConf
    from sippy.Core.EventDispatcher import ED2
    from sippy.MsgBody import MsgBody
    from sippy.Network_server import Remote_address
    from sippy.SipCallId import SipCallId
    from sippy.SipHeader import SipHeader
    from sippy.Time.MonoTime import MonoTime
    from sippy.Time.Timeout import Timeout
    from sippy.UA import UA
    return locals()


class _Log:
    """sippy's message log, sent to Python logging (DEBUG) instead of a file."""

    level = 0

    def write(self, *args, **kwargs):
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s", "".join(str(a) for a in args))


def local_address_for(host):
    """The local address this machine uses to reach `host` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((host, 5060))
        return probe.getsockname()[0]


def _free_udp_port(address):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


class SipStack:
    """The process's one sippy stack: its loop thread, its transaction manager, its UDP socket and
    (from the first TCP gateway on) its TCP transport."""

    _lock = threading.Lock()
    _instance = None

    @classmethod
    def get(cls, settings, host):
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls(settings.sip_address or local_address_for(host), settings.sip_port)
            return cls._instance

    def __init__(self, address, port):
        self.address = address
        self.port = port or _free_udp_port(address)
        self.config = {"_sip_address": address, "_sip_port": self.port, "_sip_logger": _Log()}
        self.s = None
        self.tm = None
        ready = threading.Event()
        threading.Thread(target=self._loop, args=(ready,), daemon=True, name="sippy").start()
        if not ready.wait(10) or "_sip_tm" not in self.config:
            raise RuntimeError("the SIP stack did not start")
        log.info("SIP stack on %s:%s (udp)", address, self.port)

    def _loop(self, ready):
        # sippy's dispatcher (and the C timer it wakes with a signal) is created on first import and
        # belongs to the importing thread: import it here, in the thread that lives as long as the process.
        try:
            self.s = _sippy()
            self.s["ED2"].my_ident = threading.get_ident()
            self.s["SipConf"].SipConf.my_address = self.address
            self.s["SipConf"].SipConf.my_port = self.port
            self.tm = self.config["_sip_tm"] = sippy_classes()[0](self.config, self._unsolicited)
        finally:
            ready.set()
        while True:  # an exception escaping a callback must not end the loop of every SIP call
            try:
                self.s["ED2"].loop()
            except Exception:
                log.exception("sippy loop")

    def tcp(self):
        """The TCP transport, started on first use (no TCP port is opened while no gateway wants one)."""
        with self._lock:
            if self.tm.tcp is None:
                self.tm.tcp = TcpTransport(self.address, self.port, self._tcp_received, self._tcp_failed)
                log.info("SIP over TCP on %s:%s", *self.tm.tcp.uopts.laddress)
            return self.tm.tcp

    def _tcp_received(self, data, peer):
        self.call(self._tcp_handle, data, peer, self.s["MonoTime"]())

    def _tcp_handle(self, data, peer, received):
        self.tm.handleIncoming(data, self.s["Remote_address"](peer, "tcp"), self.tm.tcp, received)

    def _tcp_failed(self, address, detail, last_sequence):
        self.call(self.tm.transport_failed, address, detail, last_sequence)

    def _unsolicited(self, req, sip_t):
        """Requests outside our calls (a trunk's OPTIONS keepalive): answered, never acted on."""
        if req.getMethod() == "OPTIONS":
            return (req.genResponse(200, "OK"), None, None)
        return (req.genResponse(481, "Call/Transaction Does Not Exist"), None, None)

    def call(self, fn, *args):
        """Run fn(*args) in the stack's thread (from any thread; returns at once)."""
        self.s["ED2"].callFromThread(fn, *args)

    def sdp_offer(self):
        """A minimal audio offer: without one, a phone that answers waits for ours and we could not hang up."""
        session = secrets.randbelow(1 << 31)
        return (f"v=0\r\no=flashcall {session} {session} IN IP4 {self.address}\r\ns=-\r\n"
                f"c=IN IP4 {self.address}\r\nt=0 0\r\nm=audio {self.port + 2} RTP/AVP 0 8\r\n"
                "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n")


class _Call:
    """One outgoing call; lives in the stack's thread only."""

    def __init__(self, driver, request):
        self.driver = driver
        self.request = request
        self.ua = None
        self.timer = None
        self.provisional = False  # any 1xx seen
        self.ringing = False
        self.done = False  # a final event was reported (or the dispatcher canceled it)

    def start(self):
        s, gateway = self.driver.stack.s, self.driver.gateway
        tcp = gateway.transport == "tcp"
        try:
            user_agent = sippy_classes()[1] if tcp else s["UA"]
            self.ua = user_agent(self.driver.stack.config, event_cb=self.on_event, username=gateway.username or None,
                                 password=gateway.secret if gateway.username else None,
                                 nh_address=(gateway.host, gateway.port or 5060),
                                 **({"nh_transport": "tcp"} if tcp else {}))
            callee = dial_string(gateway.channel or "{phone}", self.request.phone)
            body = s["MsgBody"](self.driver.stack.sdp_offer())
            attempt = _Try((s["SipCallId"](), self.request.caller_number, callee, body, None, None))
            attempt.from_domain = gateway.from_domain
            attempt.extra_headers = (s["SipHeader"](name="P-Asserted-Identity", body=self._identity()),)
            self.ua.recvEvent(attempt)
        except Exception as error:  # DNS failure, bad settings …: the gateway's error, reported
            log.exception("call %s: INVITE could not be sent", self.request.call_id)
            return self.end("failed", "gateway_error", f"SIP: {error}"[:200])
        self.timer = s["Timeout"](self.on_setup_timeout, SETUP_SECONDS)

    def _identity(self):
        from sippy.SipPAssertedIdentity import SipPAssertedIdentity
        gateway = self.driver.gateway
        host = gateway.from_domain or self.driver.stack.address
        return SipPAssertedIdentity(f"<sip:{self.request.caller_number}@{host}>")

    def on_event(self, event, _ua):
        name = type(event).__name__
        data = event.getData() or ()
        code, text = (data[0], data[1]) if len(data) >= 2 else (None, "")
        if self.done:
            return
        if name == "CCEventRing":
            self.provisional = True
            if code in RINGING_CODES and not self.ringing:
                self.ringing = True
                self.driver.health_seen(True)
                self._report("ringing", None, f"SIP {code} {text}")
                self._restart_timer(self.on_rang_long_enough, self.driver.gateway.ring_seconds)
        elif name in ("CCEventConnect", "CCEventPreConnect"):
            self.driver.health_seen(True)
            self.hang_up()
            self.end("answered", None, f"SIP {code} {text}; BYE sent")
        elif name == "CCEventFail" and self.driver.stack.tm.transport_error:  # the TCP connection broke
            self.driver.health_seen(False, self.driver.stack.tm.transport_error)
            self.end("failed", "gateway_error", self.driver.stack.tm.transport_error)
        elif name == "CCEventFail":
            self.driver.health_seen(code not in (403, 503) and code is not None)
            self.end("failed", reason_for(code), f"SIP {code} {text}")
        elif name == "CCEventDisconnect":
            self.end("failed", "gateway_error", "SIP: the far end ended the call")

    def on_rang_long_enough(self):
        self.timer = None
        if not self.done:
            self.hang_up()  # CANCEL (a 200 crossing it is ended with BYE by the UA)
            self.end("delivered", None, f"SIP CANCEL after {self.driver.gateway.ring_seconds:g} s of ringing")

    def on_setup_timeout(self):
        self.timer = None
        if self.done:
            return
        self.hang_up()
        if self.provisional:
            self.end("failed", "unreachable", f"SIP: no 180/183 within {SETUP_SECONDS:g} s")
        else:
            self.driver.health_seen(False, "SIP: no answer to INVITE")
            self.end("failed", "gateway_error", f"SIP: no answer to INVITE within {SETUP_SECONDS:g} s")

    def _restart_timer(self, callback, seconds):
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.driver.stack.s["Timeout"](callback, seconds)

    def hang_up(self):
        if self.ua is not None:
            self.ua.recvEvent(self.driver.stack.s["CCEvents"].CCEventDisconnect(origin="switch"))

    def cancel(self):
        """The dispatcher no longer wants it: hang up without reporting."""
        if not self.done:
            self.done = True
            self.hang_up()
        self._forget()

    def end(self, status, reason, detail):
        self.done = True
        self._report(status, reason, detail)
        self._forget()

    def _forget(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.driver.calls.pop(self.request.call_id, None)

    def _report(self, status, reason, detail):
        self.driver.report(Event(self.request.call_id, status, reason, detail, utcnow()))


def _try_class():
    events = _sippy()["CCEvents"]

    class Try(events.CCEventTry):
        """CCEventTry whose From carries the trunk's domain, when it wants one."""
        from_domain = None

        def onUacSetupComplete(self, uac):
            if self.from_domain:
                uac.lUri.getUrl().host = self.from_domain
    return Try


class _LazyTry:
    """Builds the CCEventTry subclass on first use, so importing this module loads no sippy."""
    cls = None

    def __call__(self, data):
        if _LazyTry.cls is None:
            _LazyTry.cls = _try_class()
        return _LazyTry.cls(data)


_Try = _LazyTry()


class SipDriver:
    kind = "sip"

    def __init__(self, gateway, settings, report):
        self.gateway = gateway
        self.settings = settings
        self.report = report
        self.stack = None
        self.calls = {}  # call id -> _Call, touched only in the stack's thread
        self._health = Health(None)
        self._last_sign_of_life = 0.0
        self._stop = threading.Event()

    def start(self):
        self.stack = SipStack.get(self.settings, self.gateway.host)
        if self.gateway.transport == "tcp":
            self.stack.tcp()
        threading.Thread(target=self._keepalive, daemon=True, name=f"sip-keepalive-{self.gateway.id}").start()

    def stop(self):
        self._stop.set()
        if self.stack is not None:
            self.stack.call(self._cancel_all)

    def _cancel_all(self):
        for call in list(self.calls.values()):
            call.cancel()

    def dial(self, request):
        self.stack.call(self._start, request)

    def _start(self, request):
        call = _Call(self, request)
        self.calls[request.call_id] = call
        call.start()

    def cancel(self, call_id):
        self.stack.call(self._cancel, call_id)

    def _cancel(self, call_id):
        call = self.calls.get(call_id)
        if call is not None:
            call.cancel()

    def applied(self, moves):
        pass

    def health(self):
        return self._health

    def health_seen(self, up, error=None):
        """What a call just showed about the trunk (any answer: up; silence: down)."""
        if up:
            self._last_sign_of_life = time.monotonic()
            self._health = Health(True, self._health.error)
        elif error:
            self._health = Health(False, error)

    def _keepalive(self):
        """OPTIONS now and then, only while no call shows the trunk alive (the first after a short
        wait, so calls placed at start-up speak first)."""
        while not self._stop.wait(KEEPALIVE_SECONDS / 3):
            if time.monotonic() - self._last_sign_of_life >= KEEPALIVE_SECONDS:
                result = self.probe(self.gateway, timeout=4.0)
                if result.ok:
                    self.health_seen(True)
                else:
                    self._health = Health(False, result.detail)

    @classmethod
    def probe(cls, gateway, timeout):
        return options(gateway.host, gateway.port or 5060, timeout, gateway.transport)


_branches = itertools.count(1)


def options(host, port, timeout=5.0, transport="udp"):
    """Send SIP OPTIONS (over UDP, or TCP) and wait for any answer (200, 404, 407 … all prove it is there)."""
    try:
        address = socket.gethostbyname(host)
    except (OSError, UnicodeError) as error:
        return Probe(False, None, f"DNS: {error}")
    if transport == "tcp":
        return _options_tcp(host, address, port, timeout)
    return _options_udp(host, address, port, timeout)


def _options_request(host, port, local, local_port, transport):
    """(Call-ID, the OPTIONS request's bytes)."""
    call_id = f"{secrets.token_hex(8)}@{local}"
    return call_id, (
        f"OPTIONS sip:{host}:{port}{';transport=tcp' if transport == 'TCP' else ''} SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport} {local}:{local_port};branch=z9hG4bK{secrets.token_hex(6)}{next(_branches)};rport\r\n"
        f"Max-Forwards: 70\r\nFrom: <sip:flashcall@{local}>;tag={secrets.token_hex(4)}\r\n"
        f"To: <sip:{host}:{port}>\r\nCall-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\n"
        f"Contact: <sip:flashcall@{local}:{local_port}>\r\nAccept: application/sdp\r\n"
        f"User-Agent: Flashcall\r\nContent-Length: 0\r\n\r\n").encode()


def _final_status(answer, call_id):
    """The status line's code and text when `answer` is the final answer to our OPTIONS, else None."""
    if call_id in answer and answer.startswith("SIP/2.0 "):
        status = answer.split("\r\n", 1)[0][len("SIP/2.0 "):]
        if not status.startswith("1"):  # provisional: wait for the final answer
            return status
    return None


def _options_udp(host, address, port, timeout):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((address, port))
        except OSError as error:
            return Probe(False, None, str(error))
        call_id, request = _options_request(host, port, *sock.getsockname()[:2], "UDP")
        started = time.monotonic()
        deadline, resend = started + timeout, 0.5
        while time.monotonic() < deadline:
            try:
                sock.send(request)
                sock.settimeout(max(0.01, min(resend, deadline - time.monotonic())))
                while True:
                    status = _final_status(sock.recv(65535).decode(errors="replace"), call_id)
                    if status is not None:
                        return Probe(True, round((time.monotonic() - started) * 1000, 1), f"SIP {status}")
            except socket.timeout:
                resend = min(resend * 2, 4.0)
            except OSError as error:  # e.g. ICMP port unreachable
                return Probe(False, None, f"SIP: {error}")
        return Probe(False, None, f"SIP: no answer to OPTIONS within {timeout:g} s")


def _options_tcp(host, address, port, timeout):
    """OPTIONS on a connection of its own (sent once: TCP is reliable), closed afterwards."""
    started = time.monotonic()
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except socket.timeout:
        return Probe(False, None, f"SIP over TCP: no connection within {timeout:g} s")
    except OSError as error:
        return Probe(False, None, f"SIP over TCP: {error.strerror or error}")
    with sock:
        call_id, request = _options_request(host, port, *sock.getsockname()[:2], "TCP")
        reader, deadline = MessageReader(), started + timeout
        try:
            sock.sendall(request)
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                data = sock.recv(65535)
                if not data:
                    return Probe(False, None, "SIP over TCP: the far end closed the connection")
                for message in reader.feed(data):
                    status = _final_status(message.decode(errors="replace"), call_id)
                    if status is not None:
                        return Probe(True, round((time.monotonic() - started) * 1000, 1), f"SIP {status}")
        except socket.timeout:
            pass
        except (OSError, FramingError) as error:
            return Probe(False, None, f"SIP over TCP: {error}")
    return Probe(False, None, f"SIP: no answer to OPTIONS within {timeout:g} s")
