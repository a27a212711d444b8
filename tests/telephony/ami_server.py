"""A local server speaking the Asterisk Manager Interface, for the AMI driver's tests (Debian 12 has
no Asterisk package): banner, Login, Ping, Logoff, Hangup, and Originate answered as Asterisk does
— "successfully queued", Newchannel/Newstate events, then Hangup and OriginateResponse."""
import asyncio
import threading

BANNER = "Asterisk Call Manager/5.0.2\r\n"


class AmiServer:
    """Outcomes per dialled channel: (OriginateResponse Reason, Hangup cause, rang?)."""

    def __init__(self, username="flashcall", secret="s3cret", ring_seconds=0.05):
        self.username, self.secret = username, secret
        self.ring_seconds = ring_seconds
        self.outcomes = {}  # channel -> (reason, cause, rang)
        self.hold = set()  # channels whose outcome never comes (until the connection drops)
        self.originates = []  # every Originate action received
        self.hangups = []  # Hangup actions received
        self.logins = []  # (username, accepted)
        self.loop = asyncio.new_event_loop()
        self.writers = set()
        self.port = None
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True, name="ami-server").start()
        started.wait(10)

    def _run(self, started):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    def drop_connections(self):
        """Close every client's connection, as an Asterisk restart would."""
        def drop():
            for writer in list(self.writers):
                writer.close()
        self.loop.call_soon_threadsafe(drop)

    def stop(self):
        self.drop_connections()
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _client(self, reader, writer):
        self.writers.add(writer)
        writer.write(BANNER.encode())
        logged_in = False
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
                    self._send(writer, {"Response": "Success" if logged_in else "Error", "ActionID": action_id,
                                        "Message": "Authentication accepted" if logged_in else "Authentication failed"})
                elif not logged_in:
                    self._send(writer, {"Response": "Error", "ActionID": action_id, "Message": "Permission denied"})
                elif name == "ping":
                    self._send(writer, {"Response": "Success", "ActionID": action_id, "Ping": "Pong"})
                elif name == "originate":
                    self.originates.append(action)
                    self._send(writer, {"Response": "Success", "ActionID": action_id,
                                        "Message": "Originate successfully queued"})
                    asyncio.ensure_future(self._play(writer, action))
                elif name == "hangup":
                    self.hangups.append(action)
                    self._send(writer, {"Response": "Success", "ActionID": action_id, "Message": "Channel Hungup"})
                elif name == "logoff":
                    self._send(writer, {"Response": "Goodbye", "ActionID": action_id})
                    return
                else:
                    self._send(writer, {"Response": "Error", "ActionID": action_id, "Message": "Invalid/unknown command"})
        finally:
            self.writers.discard(writer)
            writer.close()

    async def _play(self, writer, action):
        channel, uniqueid = action["Channel"], action["ChannelId"]
        name = f"{channel}-00000001"
        reason, cause, rang = self.outcomes.get(channel, (3, 19, True))
        self._send(writer, {"Event": "Newchannel", "Channel": name, "ChannelState": "0", "Uniqueid": uniqueid})
        if channel in self.hold:
            return
        await asyncio.sleep(self.ring_seconds)
        if rang:
            self._send(writer, {"Event": "Newstate", "Channel": name, "ChannelState": "5",
                                "ChannelStateDesc": "Ringing", "Uniqueid": uniqueid})
            await asyncio.sleep(self.ring_seconds)
        self._send(writer, {"Event": "Hangup", "Channel": name, "Uniqueid": uniqueid, "Cause": str(cause),
                            "Cause-txt": CAUSE_TEXT.get(cause, "Unknown")})
        self._send(writer, {"Event": "OriginateResponse", "ActionID": action.get("ActionID", ""),
                            "Response": "Success" if reason == 4 else "Failure", "Channel": name,
                            "Context": "", "Exten": "", "Reason": str(reason), "Uniqueid": uniqueid,
                            "CallerIDNum": action.get("CallerID", "")})

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
            fields[key.strip()] = value.strip()


CAUSE_TEXT = {16: "Normal Clearing", 17: "User busy", 18: "No user responding", 19: "No answer",
              21: "Call Rejected", 1: "Unallocated (unassigned) number", 34: "No route/channel available"}
