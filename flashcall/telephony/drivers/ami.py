"""Asterisk Manager Interface driver (panoramisk): Originate through Issabel, FreePBX or any Asterisk.

Its asyncio loop runs in a thread of its own. Each call is an `Originate` with `Async: true`,
`Timeout` = the ring time, our call id as `ChannelId` (events are matched by it) and
`Application: Hangup` (or a context): Asterisk rings the phone for that long and ends the call.
The outcome comes from OriginateResponse's Reason and the channel's Hangup cause. The connection
is supervised: after a drop it reconnects with backoff, and the calls it could not finish fail.
"""
import asyncio
import logging
import socket
import threading
import time

from ...clock import utcnow
from ..dialstring import dial_string
from ..events import Event, Health, Probe

log = logging.getLogger("flashcall.ami")

# OriginateResponse Reason → (status, failure reason); 0 and 1 are refined by the Hangup cause.
REASONS = {
    3: ("delivered", None),  # it rang for the whole Timeout and nobody answered: a flash call's success
    4: ("answered", None),  # picked up; Application Hangup ends it at once
    5: ("failed", "busy"),
    8: ("failed", "gateway_error"),  # congestion
}
REASON_WORDS = {0: "failed", 1: "no answer", 3: "ringing, not answered", 4: "answered", 5: "busy", 8: "congestion"}
# Q.850 Hangup causes of a call that never rang through.
CAUSES = {
    1: "invalid_number", 28: "invalid_number",  # unallocated number, invalid number format
    17: "busy",
    18: "unreachable", 19: "unreachable", 20: "unreachable", 27: "unreachable",  # no user responding, …
    21: "rejected",
    34: "gateway_error", 38: "gateway_error", 41: "gateway_error", 42: "gateway_error",  # no circuit, …
}
CONNECT_SECONDS = 5.0
MAX_BACKOFF = 30.0
HANGUP_WAIT = 0.5  # after a failed OriginateResponse, how long to wait for the Hangup cause
RESPONSE_MARGIN = 30.0  # no OriginateResponse this long after the ring time: the gateway failed


class AmiError(RuntimeError):
    pass


def outcome(reason, cause):
    """(status, failure reason) for OriginateResponse `reason` and the Hangup `cause` (or None)."""
    if reason in REASONS:
        return REASONS[reason]
    if cause in CAUSES:
        return "failed", CAUSES[cause]
    return "failed", "unreachable" if reason == 1 else "gateway_error"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Call:
    def __init__(self, request):
        self.request = request
        self.channel = None  # Asterisk's channel name, to hang it up
        self.cause = None
        self.cause_text = ""
        self.hung_up = asyncio.Event()
        self.done = False
        self.task = None


class AmiDriver:
    kind = "ami"

    def __init__(self, gateway, settings, report):
        self.gateway = gateway
        self.report = report
        self.loop = asyncio.new_event_loop()
        self.manager = None
        self.calls = {}  # call id -> _Call, touched only in the loop's thread
        self._health = Health(None)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"ami-{gateway.id}")
        self._supervisor = None

    # -- from the dispatcher's thread ------------------------------------------------------
    def start(self):
        self._thread.start()

    def stop(self):
        self._stopping = True
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self._shutdown)
        self._thread.join(timeout=5)

    def dial(self, request):
        self.loop.call_soon_threadsafe(self._dial, request)

    def cancel(self, call_id):
        self.loop.call_soon_threadsafe(self._cancel, call_id)

    def applied(self, moves):
        pass

    def health(self):
        return self._health

    # -- the loop's thread -----------------------------------------------------------------
    def _run(self):
        asyncio.set_event_loop(self.loop)
        self._supervisor = self.loop.create_task(self._supervise())
        self.loop.run_forever()
        self.loop.close()

    def _shutdown(self):
        for call in list(self.calls.values()):
            self._hang_up(call)
        if self.manager is not None:
            self.manager.close()
        if self._supervisor is not None:
            self._supervisor.cancel()
        self.loop.call_later(0.2, self.loop.stop)

    async def _supervise(self):
        backoff = 1.0
        while not self._stopping:
            lost = self.loop.create_future()
            try:
                self.manager = await self._connect(lost)
                self._health = Health(True, self._health.error)
                backoff = 1.0
                error = await lost
                self._health = Health(False, f"AMI: connection lost{f' ({error})' if error else ''}")
            except asyncio.CancelledError:
                return
            except (OSError, asyncio.TimeoutError, AmiError) as error:
                self._health = Health(False, f"AMI: {str(error) or type(error).__name__}")
            self.manager = None
            self._fail_all(self._health.error)
            if self._stopping:
                return
            log.warning("gateway %s: %s; reconnecting in %g s", self.gateway.id, self._health.error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _connect(self, lost):
        from panoramisk import Manager

        class Connection(Manager):
            """panoramisk's Manager, but we supervise: no reconnect of its own, no actions replayed."""

            def connection_made(self, future):
                if future.exception() is None:
                    super().connection_made(future)

            def connection_lost(self, exc):
                self._connected = False
                if self.pinger:
                    self.pinger.cancel()
                if not lost.done():
                    lost.set_result(str(exc) if isinstance(exc, Exception) else "")  # or a Shutdown Message

        gateway = self.gateway
        manager = Connection(loop=self.loop, host=gateway.host, port=gateway.port or 5038,
                             ping_delay=10, ping_interval=10, log=log)
        manager.forgetable_actions = ("ping", "login", "originate", "hangup")
        await asyncio.wait_for(manager.connect(), CONNECT_SECONDS)
        await asyncio.sleep(0)  # let connection_made run
        answer = await asyncio.wait_for(manager.send_action(
            {"Action": "Login", "Username": gateway.username or "", "Secret": gateway.secret or "",
             "Events": "call"}), CONNECT_SECONDS)
        if answer.response != "Success":
            manager.close()
            raise AmiError(f"login refused: {answer.message or answer.response}")
        for name, handler in (("Newstate", self._on_state), ("Newchannel", self._on_state),
                              ("Hangup", self._on_hangup)):
            manager.register_event(name, handler)
        log.info("gateway %s: AMI connected to %s:%s", gateway.id, gateway.host, gateway.port or 5038)
        return manager

    def _dial(self, request):
        call = _Call(request)
        self.calls[request.call_id] = call
        if self.manager is None or not self._health.up:
            return self._end(call, "failed", "gateway_error", self._health.error or "AMI: not connected")
        call.task = self.loop.create_task(self._originate(call, self.manager))

    async def _originate(self, call, manager):
        gateway, request = self.gateway, call.request
        action = {"Action": "Originate", "Channel": dial_string(gateway.channel or "PJSIP/{phone}@trunk", request.phone),
                  "CallerID": f'"{request.caller_number}" <{request.caller_number}>',
                  "Timeout": int(gateway.ring_seconds * 1000), "Async": "true", "ChannelId": request.call_id}
        action.update(self._dialplan())
        try:
            answer = await asyncio.wait_for(manager.send_action(action),
                                            gateway.ring_seconds + RESPONSE_MARGIN)
        except asyncio.TimeoutError:
            return self._end(call, "failed", "gateway_error", "AMI: no OriginateResponse")
        except asyncio.CancelledError:
            return
        responses = answer if isinstance(answer, list) else [answer]
        final = next((r for r in responses if r.event == "OriginateResponse"), None)
        if final is None:
            first = responses[0]
            return self._end(call, "failed", "gateway_error",
                             f"AMI Originate {first.response}: {first.message}"[:200])
        reason = _int(final.get("Reason"))
        if reason in (0, 1) and call.cause is None:
            try:
                await asyncio.wait_for(call.hung_up.wait(), HANGUP_WAIT)
            except asyncio.TimeoutError:
                pass
        status, failure = outcome(reason, call.cause)
        detail = f"AMI Reason {reason} ({REASON_WORDS.get(reason, '?')})"
        if call.cause is not None:
            detail += f"; Hangup cause {call.cause} ({call.cause_text})"
        if status in ("delivered", "answered"):
            self._ringing(call, "AMI: rang")
        self._end(call, status, failure, detail[:200])

    def _dialplan(self):
        """`Application: Hangup` (picked up: hung up at once), or the operator's context,exten,priority."""
        if not self.gateway.context:
            return {"Application": "Hangup"}
        parts = [p.strip() for p in self.gateway.context.split(",")]
        return {"Context": parts[0], "Exten": parts[1] if len(parts) > 1 else "s",
                "Priority": parts[2] if len(parts) > 2 else "1"}

    def _on_state(self, _manager, event):
        call = self.calls.get(event.get("Uniqueid"))
        if call is None:
            return
        call.channel = event.get("Channel") or call.channel
        if str(event.get("ChannelState")) == "5":  # Ringing
            self._ringing(call, f"AMI Newstate {event.get('ChannelStateDesc') or 'Ringing'}")

    def _on_hangup(self, _manager, event):
        call = self.calls.get(event.get("Uniqueid"))
        if call is None:
            return
        call.cause, call.cause_text = _int(event.get("Cause")), event.get("Cause-txt") or ""
        call.hung_up.set()

    def _ringing(self, call, detail):
        if not call.done and not getattr(call, "rang", False):
            call.rang = True
            self.report(Event(call.request.call_id, "ringing", None, detail, utcnow()))

    def _cancel(self, call_id):
        call = self.calls.pop(call_id, None)
        if call is not None and not call.done:
            call.done = True
            self._hang_up(call)

    def _hang_up(self, call):
        if call.task is not None:
            call.task.cancel()
        if self.manager is not None and call.channel:
            self.manager.send_action({"Action": "Hangup", "Channel": call.channel, "Cause": "16"})

    def _end(self, call, status, reason, detail):
        self.calls.pop(call.request.call_id, None)
        if not call.done:
            call.done = True
            self.report(Event(call.request.call_id, status, reason, detail, utcnow()))

    def _fail_all(self, why):
        for call in list(self.calls.values()):
            if call.task is not None:
                call.task.cancel()
            self._end(call, "failed", "gateway_error", why)

    @classmethod
    def probe(cls, gateway, timeout):
        """Login + Ping on a connection of its own; the round trip is the Ping's."""
        try:
            with socket.create_connection((gateway.host, gateway.port or 5038), timeout=timeout) as sock:
                reader = _Lines(sock)
                banner = reader.line()
                if not banner.startswith("Asterisk Call Manager"):
                    return Probe(False, None, f"AMI: unexpected banner {banner[:60]!r}")
                login = reader.ask(f"Action: Login\r\nUsername: {gateway.username or ''}\r\n"
                                   f"Secret: {gateway.secret or ''}\r\nEvents: off\r\nActionID: probe-login\r\n\r\n",
                                   "probe-login")
                if login.get("Response") != "Success":
                    return Probe(False, None, f"AMI: login refused: {login.get('Message', '')}")
                started = time.monotonic()
                ping = reader.ask("Action: Ping\r\nActionID: probe-ping\r\n\r\n", "probe-ping")
                rtt = round((time.monotonic() - started) * 1000, 1)
                sock.sendall(b"Action: Logoff\r\n\r\n")
                if ping.get("Response") != "Success":
                    return Probe(False, None, f"AMI: Ping answered {ping.get('Response')}")
                return Probe(True, rtt, f"{banner}; Ping {ping.get('Ping', 'Pong')}")
        except (OSError, ValueError) as error:
            return Probe(False, None, f"AMI: {error}")


class _Lines:
    """Blocking reads of AMI messages (a blank line ends each), for the probe."""

    def __init__(self, sock):
        self.sock = sock
        self.file = sock.makefile("r", encoding="utf-8", newline="\r\n")

    def line(self):
        text = self.file.readline()
        if not text:
            raise ValueError("connection closed")
        return text.strip()

    def message(self):
        fields = {}
        while True:
            text = self.line()
            if not text:
                if fields:
                    return fields
                continue
            key, _, value = text.partition(":")
            fields[key.strip()] = value.strip()

    def ask(self, action, action_id):
        self.sock.sendall(action.encode())
        while True:
            message = self.message()
            if message.get("ActionID") == action_id:
                return message
