"""A real SIP phone for tests: Debian's baresip, headless on loopback, driven through ctrl_tcp."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import wave
from pathlib import Path

import pytest


def require(program, package):
    """The program's path; a missing one skips the test (fails it in CI, FLASHCALL_REQUIRE_ALL=1)."""
    path = shutil.which(program)
    if path is None:
        message = f"{program} is not installed (Debian package {package}; .ci/run installs it)"
        if os.environ.get("FLASHCALL_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port(kind=socket.SOCK_DGRAM, pair=False):
    """A free loopback port (with pair=True, one whose next port is free too, for baresip's TLS)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if not pair:
            return port
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                tcp.bind(("127.0.0.1", port))
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls:
                tls.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


class Baresip:
    """baresip answering the numbers it is given (as the gateway writes them in the Request-URI)."""

    def __init__(self, numbers, answer=False, transport="udp"):
        """transport: how the gateway should reach it; baresip 1.0 listens on UDP and TCP at its port
        (and TLS on the next) whatever its config says, so tests check the connection themselves."""
        self.binary = require("baresip", "baresip-core")
        self.transport = transport
        self.dir = Path(tempfile.mkdtemp(prefix="baresip-"))
        self.port = free_port(pair=True)
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        self.events = []
        self._seen = threading.Condition()
        self._write_config(numbers, "auto" if answer else "manual")
        self.process = None
        self.ctrl = None

    def _write_config(self, numbers, answermode):
        silence = self.dir / "silence.wav"
        with wave.open(str(silence), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\0\0" * 8000)
        (self.dir / "config").write_text("\n".join([
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{self.port}",
            "sip_transports udp",
            "module_path /usr/lib/baresip/modules",
            "module g711.so", "module aufile.so",
            "module_app account.so", "module_app menu.so", "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
            f"audio_source aufile,{silence}", "audio_player aufile,/dev/null", "audio_alert aufile,/dev/null",
            "rtp_ports 30000-30999", ""]))
        (self.dir / "accounts").write_text("".join(
            f"<sip:{n}@127.0.0.1:{self.port}>;regint=0;answermode={answermode}\n" for n in numbers))

    def start(self):
        self.process = subprocess.Popen([self.binary, "-f", str(self.dir)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.ctrl = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
                break
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("baresip exited at start")
                time.sleep(0.1)
        else:
            raise RuntimeError("baresip's ctrl_tcp never listened")
        self.ctrl.settimeout(None)
        threading.Thread(target=self._read, daemon=True, name="baresip-ctrl").start()
        return self

    def _read(self):
        buffer = b""
        while True:
            try:
                data = self.ctrl.recv(65536)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b":" in buffer:
                length, _, rest = buffer.partition(b":")
                if not length.isdigit() or len(rest) < int(length) + 1:
                    break
                message, buffer = rest[:int(length)], rest[int(length) + 1:]
                event = json.loads(message)
                if event.get("event"):
                    with self._seen:
                        self.events.append(event)
                        self._seen.notify_all()

    def wait_for(self, predicate, timeout=30):
        """The events so far once predicate(events) holds; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._seen:
            while not predicate(self.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"baresip never saw it; events: {self.events}")
                self._seen.wait(left)
            return list(self.events)

    def of_type(self, kind):
        return [e for e in self.events if e.get("type") == kind]

    def stop(self):
        if self.ctrl is not None:
            self.ctrl.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
