"""A local server speaking the Asterisk Manager Interface, for the AMI driver's tests (Debian 12 has
no Asterisk package): banner, Login, Ping, Logoff, Hangup, and Originate answered as Asterisk does
— "successfully queued", Newchannel/Newstate events, then Hangup and OriginateResponse. As in
Asterisk, header names are case-insensitive and a Login's `Events` decides which events follow."""
import asyncio
import socket
import struct
import threading
import time

import pytest

from flashcall.telephony.gateways import GatewayConfig

BANNER = "Asterisk Call Manager/5.0.2\r\n"


class AmiServer:
    """Outcomes per dialled channel: (OriginateResponse Reason, Hangup cause, rang?)."""

    def __init__(self, username="flashcall", secret="s3cret", ring_seconds=0.05, host="127.0.0.1",
                 banner=BANNER, port=0):
        self.username, self.secret = username, secret
        self.ring_seconds = ring_seconds
        self.host, self.banner = host, banner
        self.outcomes = {}  # channel -> (reason, cause, rang)
        self.hold = set()  # channels whose outcome never comes (until the connection drops)
        self.response_first = set()  # channels whose OriginateResponse comes before their Hangup
        self.no_hangup = set()  # channels whose Hangup event never comes
        self.no_response = set()  # channels that ring, hang up, and never get an OriginateResponse
        self.cause_texts = {}  # cause -> Cause-txt, over CAUSE_TEXT
        self.originate_error = None  # a Message: Originate is refused at once with Response: Error
        self.ping_answer = {"Response": "Success", "Ping": "Pong"}
        self.ping_seconds = 0  # how long a Ping waits for its answer
        self.logoffs = 0
        self.originates = []  # every Originate action received
        self.hangups = []  # Hangup actions received
        self.logins = []  # (username, accepted)
        self.login_times = []  # time.monotonic() of each Login
        self.loop = asyncio.new_event_loop()
        self.writers = set()
        self.port = port
        self._error = None
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True, name="ami-server").start()
        started.wait(10)
        if self._error is not None:
            raise self._error

    def _run(self, started):
        asyncio.set_event_loop(self.loop)
        try:
            server = self.loop.run_until_complete(asyncio.start_server(self._client, self.host, self.port))
        except OSError as error:  # the port is taken
            self._error = error
            started.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    def drop_connections(self):
        """Close every client's connection, as an Asterisk restart would."""
        def drop():
            for writer in list(self.writers):
                writer.close()
        self.loop.call_soon_threadsafe(drop)

    def reset_connections(self):
        """Abort every client's connection with a TCP reset, as a crashed Asterisk's host would."""
        def reset():
            for writer in list(self.writers):
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
        self.loop.call_soon_threadsafe(reset)

    def shut_down(self):
        """Send `Event: Shutdown` to every client and close, as `core stop now` does."""
        def shut():
            for writer in list(self.writers):
                self._send(writer, {"Event": "Shutdown", "Shutdown": "Uncleanly", "Restart": "False"})
                writer.close()
        self.loop.call_soon_threadsafe(shut)

    def stop(self):
        self.drop_connections()
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _client(self, reader, writer):
        self.writers.add(writer)
        writer.write(self.banner.encode())
        logged_in = False
        writer.events = True
        try:
            while True:
                action = await self._read(reader)
                if action is None:
                    return
                name = action.get("Action", "").lower()
                action_id = action.get("ActionID", "")
                if name == "login":
                    logged_in = action.get("Username") == self.username and action.get("Secret") == self.secret
                    self.logins.append((action.get("Username"), logged_in))
                    self.login_times.append(time.monotonic())
                    writer.events = _events_on(action.get("Events"))
                    self._send(writer, {"Response": "Success" if logged_in else "Error", "ActionID": action_id,
                                        "Message": "Authentication accepted" if logged_in else "Authentication failed"})
                elif not logged_in:
                    self._send(writer, {"Response": "Error", "ActionID": action_id, "Message": "Permission denied"})
                elif name == "ping":
                    await self._pong(writer, action_id)
                elif name == "originate":
                    self.originates.append(action)
                    if self.originate_error is not None:
                        self._send(writer, {"Response": "Error", "ActionID": action_id, "Message": self.originate_error})
                        continue
                    self._send(writer, {"Response": "Success", "ActionID": action_id,
                                        "Message": "Originate successfully queued"})
                    asyncio.ensure_future(self._play(writer, action))
                elif name == "hangup":
                    self.hangups.append(action)
                    self._send(writer, {"Response": "Success", "ActionID": action_id, "Message": "Channel Hungup"})
                elif name == "logoff":
                    self.logoffs += 1
                    self._send(writer, {"Response": "Goodbye", "ActionID": action_id})
                    return
                else:
                    self._send(writer, {"Response": "Error", "ActionID": action_id, "Message": "Invalid/unknown command"})
        finally:
            self.writers.discard(writer)
            writer.close()

    async def _pong(self, writer, action_id):
        await asyncio.sleep(self.ping_seconds)
        self._send(writer, {**self.ping_answer, "ActionID": action_id})

    async def _play(self, writer, action):
        channel, uniqueid = action["Channel"], action["ChannelId"]
        name = f"{channel}-00000001"
        reason, cause, rang = self.outcomes.get(channel, (3, 19, True))
        self._event(writer, {"Event": "Newchannel", "Channel": name, "ChannelState": "0", "Uniqueid": uniqueid})
        if channel in self.hold:
            return
        await asyncio.sleep(self.ring_seconds)
        if rang:
            self._event(writer, {"Event": "Newstate", "Channel": name, "ChannelState": "5",
                                 "ChannelStateDesc": "Ringing", "Uniqueid": uniqueid})
            await asyncio.sleep(self.ring_seconds)
        hangup = {"Event": "Hangup", "Channel": name, "Uniqueid": uniqueid, "Cause": str(cause),
                  "Cause-txt": self.cause_texts.get(cause, CAUSE_TEXT.get(cause, "Unknown"))}
        response = {"Event": "OriginateResponse", "ActionID": action.get("ActionID", ""),
                    "Response": "Success" if reason == 4 else "Failure", "Channel": name,
                    "Context": "", "Exten": "", "Reason": str(reason), "Uniqueid": uniqueid,
                    "CallerIDNum": action.get("CallerID", "")}
        if channel in self.response_first:
            self._send(writer, response)
            await asyncio.sleep(self.ring_seconds)
        if channel not in self.no_hangup:
            self._event(writer, hangup)
        if channel not in self.response_first | self.no_response:
            self._send(writer, response)

    def _event(self, writer, fields):
        """A call event, sent only to a client whose Login asked for call events."""
        if writer.events:
            self._send(writer, fields)

    @staticmethod
    def _send(writer, fields):
        if not writer.is_closing():
            writer.write(("".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n").encode())

    @staticmethod
    async def _read(reader):
        fields = {}
        while True:
            line = await reader.readline()
            if not line:
                return None
            line = line.decode().strip()
            if not line:
                if fields:
                    return fields
                continue
            key, _, value = line.partition(":")
            fields[_canonical(key.strip())] = value.strip()


def _canonical(key):
    """Asterisk reads header names case-insensitively: `action` is `Action`."""
    return {name.lower(): name for name in ("Action", "ActionID", "Username", "Secret", "Events", "Channel",
                                      "Cause")
            }.get(key.lower(), key)


def _events_on(value):
    """Asterisk's reading of a Login's Events: absent or on → all, off → none, else a list of classes
    (matched exactly, as manager.c's get_perm does)."""
    if value is None or value.lower() in ("on", "yes", "true", "y", "t", "1"):
        return True
    if value.lower() in ("off", "no", "false", "n", "f", "0"):
        return False
    return "call" in [part.strip() for part in value.split(",")]


CAUSE_TEXT = {16: "Normal Clearing", 17: "User busy", 18: "No user responding", 19: "No answer",
              21: "Call Rejected", 1: "Unallocated (unassigned) number", 34: "No route/channel available"}


@pytest.fixture
def server():
    """An AmiServer for the test (tests import this fixture by name)."""
    ami = AmiServer()
    yield ami
    ami.stop()


def gateway_for(server, **overrides):
    """The driver's settings for a gateway at `server`, logged in as it expects."""
    values = dict(host=server.host, port=server.port, username="flashcall", secret="s3cret",
                  channel="PJSIP/{national}@trunk", ring_seconds=2)
    values.update(overrides)
    return GatewayConfig(9, "ami", "pbx", **values)
