"""SIP over TCP for the SIP trunk driver: one persistent connection per remote address, messages
framed by Content-Length (RFC 3261 §18.3), in a selector thread of its own; plus the sippy classes
that route a TCP gateway's requests (and their CANCEL and ACK) over it and keep them from being
retransmitted on a reliable transport.

Nothing here imports sippy at module level: sippy's dispatcher belongs to the thread that first
imports it (see sip.SipStack), so the sippy subclasses are built on first use, in that thread.
"""
import errno
import functools
import logging
import os
import queue
import re
import selectors
import socket
import threading
import time

log = logging.getLogger("flashcall.sip")

CONNECT_SECONDS = 5.0  # a trunk that does not accept within this is unreachable
MAX_HEADER_BYTES = 64 * 1024  # more without a blank line is not SIP: the connection is dropped
MAX_BODY_BYTES = 1024 * 1024
_LENGTH = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


class FramingError(ValueError):
    """The stream is not SIP (no header end in sight, or an absurd Content-Length)."""


class MessageReader:
    """Cuts a byte stream into SIP messages: headers up to the blank line, then Content-Length bytes.
    CRLFs between messages (keepalives, RFC 5626 §3.5.1) are skipped."""

    def __init__(self):
        self.buffer = bytearray()

    def feed(self, data):
        """The whole messages the stream holds once `data` is added (the rest is kept for later)."""
        self.buffer += data
        messages = []
        while True:
            start = 0
            while self.buffer[start:start + 2] == b"\r\n" or self.buffer[start:start + 1] == b"\n":
                start += 2 if self.buffer[start:start + 1] == b"\r" else 1
            if start:
                del self.buffer[:start]
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEADER_BYTES:
                    raise FramingError("SIP headers without an end")
                return messages
            match = _LENGTH.search(bytes(self.buffer[:end]))
            length = int(match.group(1)) if match else 0  # mandatory over TCP; a message without one has no body
            if length > MAX_BODY_BYTES:
                raise FramingError(f"Content-Length {length} is too large")
            total = end + 4 + length
            if len(self.buffer) < total:
                return messages
            messages.append(bytes(self.buffer[:total]))
            del self.buffer[:total]


class _Options:
    """What sippy asks of a server's options: its local address, and never a wildcard (so server
    transactions answer over this transport)."""

    def __init__(self, laddress):
        self.laddress = laddress

    def isWildCard(self):
        return False


class _Connection:
    def __init__(self, sock, address, connecting):
        self.sock = sock
        self.address = address  # the key it is known by (the target, or the peer of an accepted one)
        self.connecting = connecting
        self.deadline = time.monotonic() + CONNECT_SECONDS if connecting else None
        self.out = bytearray()
        self.reader = MessageReader()
        self.last_sequence = 0  # the last message handed to it (see TcpTransport.send_to)


class TcpTransport:
    """The SIP-over-TCP transport, with the surface sippy's transaction manager calls on a server
    (`transport`, `uopts`, `getSIPaddr`, `addr2str`, `send_to`, `shutdown`).

    `send_to` only queues (it runs in sippy's thread and must not wait on the network). The thread
    connects on demand (one connection per remote address, kept open; a new one after it broke),
    writes, reads, and hands each message received to `on_message(data, peer)`; a connection that
    cannot be made or breaks is reported to `on_failure(address, detail, last_sequence)`, where
    last_sequence is the last `send_to` it carried: requests sent up to it will get no answer.
    It also listens on `address` (the port of the UDP socket when free) for requests the trunk
    opens a connection for."""

    transport = "tcp"

    def __init__(self, address, port, on_message, on_failure):
        self.on_message, self.on_failure = on_message, on_failure
        self.listener = self._listen(address, port)
        self.uopts = _Options(self.listener.getsockname()[:2])
        self.sequence = 0  # touched only by the thread calling send_to (sippy's)
        self._queue = queue.SimpleQueue()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ, "listener")
        self._selector.register(self._wake_reader, selectors.EVENT_READ, "wake")
        self._connections = {}  # address -> _Connection; only the thread touches it
        self._stopping = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="sip-tcp")
        self._thread.start()

    @staticmethod
    def _listen(address, port):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, port))
        except OSError:  # the UDP port's number is taken for TCP: any free one (it is in Via and Contact)
            sock.bind((address, 0))
        sock.listen(64)
        sock.setblocking(False)
        return sock

    # -- sippy's side (called in sippy's thread) ---------------------------------------------------

    def getSIPaddr(self):
        return (self.uopts.laddress, self.transport)

    def addr2str(self, address):
        return f"tcp:{address[0]}:{address[1]}"

    def send_to(self, data, address, delayed=False):
        if not isinstance(data, bytes):
            data = data.encode("utf-8")
        self.sequence += 1
        self._queue.put((self.sequence, data, (str(address[0]), int(address[1] or 5060))))
        self._wake()

    def addresses(self):
        """The remote addresses with a connection open or being made (for tests and logs; from any
        thread, it may raise RuntimeError while the thread changes them)."""
        return tuple(self._connections)

    def shutdown(self):
        self._stopping = True
        self._wake()
        self._thread.join(timeout=5)

    def join(self):
        self._thread.join()

    def _wake(self):
        try:
            self._wake_writer.send(b"\0")
        except BlockingIOError:  # already awake enough
            pass

    # -- the thread ---------------------------------------------------------------------------------

    def _run(self):
        while not self._stopping:
            try:
                self._step()
            except Exception:  # one bad connection must not end every TCP call of the process
                log.exception("SIP over TCP")
        for connection in list(self._connections.values()):
            self._close(connection)
        self._selector.close()
        self.listener.close()

    def _step(self):
        deadlines = [c.deadline for c in self._connections.values() if c.connecting]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        for key, mask in self._selector.select(timeout):
            if key.data == "wake":
                self._drain_wake()
            elif key.data == "listener":
                self._accept()
            else:
                self._ready(key.data, mask)
        self._send_queued()
        now = time.monotonic()
        for connection in [c for c in self._connections.values() if c.connecting and c.deadline <= now]:
            self._fail(connection, f"no connection within {CONNECT_SECONDS:g} s")

    def _drain_wake(self):
        try:
            while self._wake_reader.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _accept(self):
        try:
            sock, peer = self.listener.accept()
        except OSError:
            return
        sock.setblocking(False)
        connection = _Connection(sock, peer[:2], connecting=False)
        old = self._connections.get(connection.address)
        if old is not None:
            self._close(old)
        self._connections[connection.address] = connection
        self._selector.register(sock, selectors.EVENT_READ, connection)

    def _send_queued(self):
        while True:
            try:
                sequence, data, address = self._queue.get_nowait()
            except queue.Empty:
                return
            connection = self._connections.get(address) or self._connect(address, sequence)
            if connection is None:
                continue
            connection.last_sequence = sequence
            connection.out += data
            if not connection.connecting:
                self._write(connection)

    def _connect(self, address, sequence):
        try:
            # getaddrinfo may wait on DNS: only this thread does, never sippy's or the dispatcher's
            family, kind, proto, _name, target = socket.getaddrinfo(address[0], address[1], socket.AF_INET,
                                                                    socket.SOCK_STREAM)[0]
            sock = socket.socket(family, kind, proto)
        except OSError as error:
            self.on_failure(address, self._detail(address, error), sequence)
            return None
        sock.setblocking(False)
        code = sock.connect_ex(target)
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            self.on_failure(address, self._detail(address, OSError(code, os.strerror(code))),
                            sequence)
            return None
        connection = _Connection(sock, address, connecting=True)
        self._connections[address] = connection
        self._selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, connection)
        return connection

    def _ready(self, connection, mask):
        if self._connections.get(connection.address) is not connection:
            return  # closed earlier in this round
        if connection.connecting:
            code = connection.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                return self._fail(connection, OSError(code, os.strerror(code)))
            if not mask & selectors.EVENT_WRITE:
                return
            connection.connecting = False
            log.info("SIP over TCP: connected to %s:%s", *connection.address)
        if mask & selectors.EVENT_WRITE:
            self._write(connection)
        if mask & selectors.EVENT_READ and self._connections.get(connection.address) is connection:
            self._read(connection)

    def _write(self, connection):
        try:
            sent = connection.sock.send(connection.out) if connection.out else 0
        except BlockingIOError:
            sent = 0
        except OSError as error:
            return self._fail(connection, error)
        del connection.out[:sent]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if connection.out else 0)
        self._selector.modify(connection.sock, events, connection)

    def _read(self, connection):
        try:
            data = connection.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as error:
            return self._fail(connection, error)
        if not data:
            return self._fail(connection, "the far end closed the connection")
        try:
            messages = connection.reader.feed(data)
        except FramingError as error:
            return self._fail(connection, error)
        for message in messages:
            self.on_message(message, connection.address)

    def _fail(self, connection, error):
        self._close(connection)
        if connection.last_sequence or connection.connecting:
            log.warning("%s", self._detail(connection.address, error))
        self.on_failure(connection.address, self._detail(connection.address, error), connection.last_sequence)

    def _close(self, connection):
        if self._connections.get(connection.address) is connection:
            del self._connections[connection.address]
        try:
            self._selector.unregister(connection.sock)
        except (KeyError, ValueError):
            pass
        connection.sock.close()

    @staticmethod
    def _detail(address, error):
        if isinstance(error, OSError) and error.strerror:
            error = error.strerror
        return f"SIP over TCP to {address[0]}:{address[1]}: {error}"


@functools.cache
def sippy_classes():
    """(TransactionManager, UserAgent): sippy's, taught about TcpTransport. Built on first call,
    which must be in sippy's thread."""
    from sippy.SipTransactionManager import TERMINATED, TRYING, RINGING, SipTransactionManager
    from sippy.Time.MonoTime import MonoTime
    from sippy.UA import UA

    class TransactionManager(SipTransactionManager):
        """Knows the TCP transport (`tcp`, None until a TCP gateway starts), does not retransmit
        over it, and ends the requests a broken connection took with 503 (RFC 3261 §8.1.3.1)."""
        tcp = None
        transport_error = None  # while those requests are being ended: what broke

        def timerA(self, t):
            # Timer A (request retransmission) and, for our answers, Timer G: UDP only (RFC 3261 §17).
            if self.tcp is not None and t.userv is self.tcp:
                t.teA = None
                return
            super().timerA(t)

        def newTransaction(self, msg, *args, **kwargs):
            t = super().newTransaction(msg, *args, **kwargs)
            t.tcp_sequence = self.tcp.sequence if self.tcp is not None and t.userv is self.tcp else None
            return t

        def transport_failed(self, address, detail, last_sequence):
            """A TCP connection to `address` broke or never came: every request it carried (sequence up
            to last_sequence) and still waiting is answered 503 at once instead of at Timer B."""
            broken = [t for t in self.tclient.values() if t.userv is self.tcp and t.state in (TRYING, RINGING)
                      and t.tcp_sequence is not None and t.tcp_sequence <= last_sequence
                      and (str(t.address[0]), int(t.address[1] or 5060)) == address]
            self.transport_error = detail
            try:
                for t in broken:
                    self._fail(t)
            finally:
                self.transport_error = None

        def _fail(self, t):
            for timer in (t.teA, t.teB):
                if timer is not None:
                    timer.cancel()
            t.teA = t.teB = None
            t.state = TERMINATED
            del self.tclient[t.tid]
            if t.resp_cb is not None and t.r408 is not None:
                answer = t.r408
                answer.setSCode(503, "Service Unavailable")
                answer.rtime = MonoTime()
                t.resp_cb(answer) if t.cb_ifver == 1 else t.resp_cb(answer, t)
            t.cleanup()

    class UserAgent(UA):
        """A UA whose every request (INVITE, re-INVITE, BYE; its CANCEL and ACK follow the INVITE's
        transaction) goes over TCP, whatever transport the far end's Contact names."""

        def newTransaction(self, req, req_extra_headers=None, **kwargs):
            kwargs.setdefault("userv", self.global_config["_sip_tm"].tcp)
            return super().newTransaction(req, req_extra_headers, **kwargs)

    return TransactionManager, UserAgent
