"""A small SIP endpoint on loopback UDP (or TCP) for the driver's tests: it answers INVITEs with a
chosen status (optionally after 180, optionally only after a 407 digest challenge it then verifies),
and answers CANCEL, ACK and BYE as a trunk would. It records what it received, and over TCP how many
connections it accepted and how many are still open."""
import hashlib
import re
import socket
import threading
import time

from flashcall.telephony.drivers.sip_tcp import MessageReader

REALM = "flashcall-test"
NONCE = "4e6f6e63652d666f722d7465737473"


def _md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def digest_ok(header, username, password, method="INVITE"):
    """Does a Proxy-Authorization header carry the right digest response (RFC 2617, no qop)?"""
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header.split(" ", 1)[1]))
    if fields.get("username") != username or fields.get("realm") != REALM or fields.get("nonce") != NONCE:
        return False
    ha1 = _md5(f"{username}:{REALM}:{password}")
    ha2 = _md5(f"{method}:{fields.get('uri')}")
    if fields.get("qop"):
        expected = _md5(f"{ha1}:{NONCE}:{fields['nc']}:{fields['cnonce']}:{fields['qop']}:{ha2}")
    else:
        expected = _md5(f"{ha1}:{NONCE}:{ha2}")
    return fields.get("response") == expected


class SipEndpoint:
    def __init__(self, final=None, ring=True, credentials=None, transport="udp", mute=False):
        """final: the status answering each INVITE (None: ring until CANCEL); credentials: (user, password)
        to demand with 407 first; transport: udp or tcp (answers go back on the request's connection);
        mute: INVITEs get no answer at all, not even 100 Trying."""
        self.final, self.ring, self.credentials, self.transport = final, ring, credentials, transport
        self.mute = mute
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = []  # (method, headers)
        self.auth_results = []  # True/False per authorised INVITE
        self.accepted = 0  # TCP connections accepted
        self.connections = set()  # TCP connections still open
        self._invites = {}  # call id -> (headers, to tag, where the INVITE came from)
        self._stop = False
        if transport == "tcp":
            self.sock.listen(16)
        run = self._accept if transport == "tcp" else self._run
        self._thread = threading.Thread(target=run, daemon=True, name="sip-endpoint")
        self._thread.start()

    def methods(self):
        return [method for method, _headers in self.received]

    def close(self):
        self._stop = True
        if self.transport == "tcp":
            self.sock.shutdown(socket.SHUT_RDWR)
            for connection in list(self.connections):
                connection.close()
        self.sock.close()

    def _run(self):
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(65535)
            except OSError:
                return
            if not self._handle(data, peer):
                return

    def _accept(self):
        while not self._stop:
            try:
                connection, _peer = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.connections.add(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True, name="sip-endpoint-tcp").start()

    def _serve(self, connection):
        reader = MessageReader()
        try:
            while data := connection.recv(65535):
                for message in reader.feed(data):
                    if not self._handle(message, connection):
                        return
        except OSError:
            pass
        finally:
            self.connections.discard(connection)
            connection.close()

    def _handle(self, data, peer):
        """Records and answers one message; False once the endpoint is closed."""
        text = data.decode(errors="replace")
        first, _, rest = text.partition("\r\n")
        if first.startswith("SIP/2.0"):
            return True  # a response (to nothing we send)
        method = first.split(" ", 1)[0]
        headers = self._headers(rest)
        self.received.append((method, headers))
        try:
            getattr(self, f"_on_{method.lower()}", self._on_other)(headers, peer)
        except OSError:  # closed meanwhile
            return False
        return True

    def _send(self, data, peer):
        if self.transport == "tcp":
            peer.sendall(data)
        else:
            self.sock.sendto(data, peer)

    @staticmethod
    def _headers(rest):
        headers = {}
        for line in rest.split("\r\n\r\n", 1)[0].split("\r\n"):
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        return headers

    def _reply(self, headers, peer, status, tag=None, extra=()):
        to = headers["to"][0] + (f";tag={tag}" if tag and ";tag=" not in headers["to"][0] else "")
        lines = [f"SIP/2.0 {status}"] + [f"Via: {v}" for v in headers["via"]] + [
            f"From: {headers['from'][0]}", f"To: {to}", f"Call-ID: {headers['call-id'][0]}",
            f"CSeq: {headers['cseq'][0]}", f"Contact: <sip:far@127.0.0.1:{self.port}>", *extra,
            "Content-Length: 0", "", ""]
        self._send("\r\n".join(lines).encode(), peer)

    def drop_connections(self):
        """Closes the TCP connections (the listener stays): as a trunk restarting would."""
        for connection in list(self.connections):
            connection.shutdown(socket.SHUT_RDWR)

    def _on_invite(self, headers, peer):
        call_id = headers["call-id"][0]
        if self.mute:
            return
        if self.credentials is not None:
            authorization = (headers.get("proxy-authorization") or [None])[0]
            if authorization is None:
                return self._reply(headers, peer, "407 Proxy Authentication Required", "auth", [
                    f'Proxy-Authenticate: Digest realm="{REALM}", nonce="{NONCE}", algorithm=MD5'])
            ok = digest_ok(authorization, *self.credentials)
            self.auth_results.append(ok)
            if not ok:
                return self._reply(headers, peer, "403 Forbidden", "auth")
        tag = f"t{len(self._invites) + 1}"
        self._invites[call_id] = (headers, tag)
        self._reply(headers, peer, "100 Trying")
        if self.ring:
            self._reply(headers, peer, "180 Ringing", tag)
        if self.final is not None:
            time.sleep(0.05)  # as a phone would: the final answer comes after the ringing
            self._reply(headers, peer, self.final, tag)

    def _on_cancel(self, headers, peer):
        self._reply(headers, peer, "200 OK")
        invite = self._invites.get(headers["call-id"][0])
        if invite is not None:
            self._reply(invite[0], peer, "487 Request Terminated", invite[1])

    def _on_bye(self, headers, peer):
        self._reply(headers, peer, "200 OK")

    def _on_options(self, headers, peer):
        self._reply(headers, peer, "200 OK")

    def _on_ack(self, headers, peer):
        pass

    def _on_other(self, headers, peer):
        self._reply(headers, peer, "405 Method Not Allowed")
